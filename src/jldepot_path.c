// placeholder: replaced by the path-model commands
#include "jldepot.h"
int jldepot_cmd_layout(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    jldepot_error("layout: not built yet");
    return 2;
}
int jldepot_cmd_tokenize(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    jldepot_error("tokenize: not built yet");
    return 2;
}
int jldepot_cmd_resolve(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    jldepot_error("resolve: not built yet");
    return 2;
}
