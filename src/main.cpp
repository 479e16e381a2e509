// kcost command-line entry point: dispatches to the commands in src/cli/.
#include "cli/commands.h"

int main(int argc, char** argv) { return kcost::run_cli(argc, argv); }
