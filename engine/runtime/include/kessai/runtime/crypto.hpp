#pragma once
// The few cryptographic primitives kessai needs, over OpenSSL's libcrypto: hashes for API keys and
// request fingerprints, HMAC for webhook signatures, and unguessable random tokens.

#include <cstdint>
#include <string>
#include <string_view>

namespace kessai::runtime {

std::string sha256_hex(std::string_view data);
std::string sha256_raw(std::string_view data);  // 32 bytes
std::string hmac_sha256_hex(std::string_view key, std::string_view message);
// Compares without leaking, through timing, where two secrets differ.
bool constant_time_equals(std::string_view a, std::string_view b);
// Base-62 characters from the kernel's CSPRNG.
std::string random_token(std::size_t characters);

}  // namespace kessai::runtime
