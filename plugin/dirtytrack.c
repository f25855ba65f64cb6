/* PLACEHOLDER: replaced by the module's real implementation. */
#include "config.h"
int main(void) { return 0; }
