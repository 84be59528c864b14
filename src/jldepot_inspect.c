// placeholder: replaced by the codec's inspect command
#include "jldepot.h"
int jldepot_cmd_inspect(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    jldepot_error("inspect: not built yet");
    return 2;
}
