// Fresh RequestIds: every response the emulator sends carries one, like the cloud's
// (a random UUID, lower-case, 8-4-4-4-12).
#pragma once

#include <string>

namespace tcplan::emulator {

std::string new_request_id();

}  // namespace tcplan::emulator
