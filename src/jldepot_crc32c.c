// placeholder: replaced by the crc32c command
#include "jldepot.h"
int jldepot_cmd_crc32c(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    jldepot_error("crc32c: not built yet");
    return 2;
}
