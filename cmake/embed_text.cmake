# Turns a text file into a C++ source defining smtpwb::assets::<SYMBOL> as a std::string_view.
# Run as: cmake -DINPUT=file -DOUTPUT=file.cpp -DSYMBOL=name -P embed_text.cmake
file(READ "${INPUT}" content HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${content}")
file(WRITE "${OUTPUT}.tmp"
  "// Generated from ${INPUT}; do not edit.\n#include <string_view>\nnamespace smtpwb::assets {\n"
  "namespace { const char data[] = {${bytes} 0}; }\n"
  "extern const std::string_view ${SYMBOL}(data, sizeof(data) - 1);\n}\n")
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
