# Turns a data file into a C++ source defining `std::string_view <SYMBOL>()`, so that the
# binary carries its data (the action catalog) and needs no install path at run time.
# Usage: cmake -DIN=file -DOUT=file.cc -DSYMBOL=name -DNAMESPACE=ns -P embed_file.cmake
file(READ "${IN}" hex HEX)
string(LENGTH "${hex}" hex_len)
math(EXPR size "${hex_len} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" bytes "${bytes}")
file(WRITE "${OUT}.tmp" "// Generated from ${IN} by cmake/embed_file.cmake. Do not edit.\n#include <string_view>\nnamespace ${NAMESPACE} {\nnamespace {\nconst unsigned char kData[] = {\n${bytes}0};\n}  // namespace\nstd::string_view ${SYMBOL}() {\n  return {reinterpret_cast<const char*>(kData), ${size}};\n}\n}  // namespace ${NAMESPACE}\n")
file(RENAME "${OUT}.tmp" "${OUT}")
