/* Storage for the test registry of check.h; each test file has its own main. */
#include "check.h"

CHECK_DEFINE_GLOBALS;
