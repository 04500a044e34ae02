/* Unit tests for the territory design engine (placeholder, filled below). */
#include "regio/design.h"
#include "regio_test.h"
int main(void) { TEST_END(); }
