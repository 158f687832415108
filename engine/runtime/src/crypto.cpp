#include "kessai/runtime/crypto.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sys/random.h>

#include <array>
#include <cassert>

namespace kessai::runtime {

namespace {

constexpr std::string_view kBase62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

std::string to_hex(const unsigned char* bytes, std::size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(size * 2, '0');
  for (std::size_t i = 0; i < size; ++i) {
    out[2 * i] = kDigits[bytes[i] >> 4];
    out[2 * i + 1] = kDigits[bytes[i] & 0x0f];
  }
  return out;
}

}  // namespace

std::string sha256_raw(std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  const int ok = EVP_Digest(data.data(), data.size(), digest.data(), &size, EVP_sha256(), nullptr);
  assert(ok == 1 && size == 32);
  (void)ok;
  return std::string(reinterpret_cast<const char*>(digest.data()), size);
}

std::string sha256_hex(std::string_view data) {
  const std::string raw = sha256_raw(data);
  return to_hex(reinterpret_cast<const unsigned char*>(raw.data()), raw.size());
}

std::string hmac_sha256_hex(std::string_view key, std::string_view message) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  const unsigned char* result =
      HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest.data(), &size);
  assert(result != nullptr && size == 32);
  (void)result;
  return to_hex(digest.data(), size);
}

bool constant_time_equals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string random_token(std::size_t characters) {
  std::string out;
  out.reserve(characters);
  while (out.size() < characters) {
    std::array<unsigned char, 64> bytes{};
    const ssize_t got = getrandom(bytes.data(), bytes.size(), 0);
    assert(got == static_cast<ssize_t>(bytes.size()));
    // Rejection sampling keeps the characters uniform: 248 is the largest multiple of 62 below 256.
    for (ssize_t i = 0; i < got && out.size() < characters; ++i) {
      if (bytes[i] < 248) out.push_back(kBase62[bytes[i] % kBase62.size()]);
    }
  }
  return out;
}

}  // namespace kessai::runtime
