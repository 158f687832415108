#include "kessai/qr/qr_image.hpp"

#include <cerrno>
#include <memory>

#include <qrencode.h>

namespace kessai::qr {
namespace {

struct QrcodeFree {
  void operator()(QRcode* code) const { QRcode_free(code); }
};

Result<void, std::string> check_module_pixels(int module_pixels) {
  if (module_pixels >= 1 && module_pixels <= module_pixels_max) return {};
  return fail("module_pixels: must be 1 to " + std::to_string(module_pixels_max) + ", got " +
              std::to_string(module_pixels));
}

// Modules across the image, quiet zone included.
int image_modules(const QrModules& modules) {
  return modules.width + 2 * quiet_zone_modules;
}

}  // namespace

Result<QrModules, std::string> encode_qr_modules(std::string_view payload) {
  if (payload.empty()) return fail(std::string("payload: empty"));
  // libqrencode reads a C string: a NUL would silently cut the payload short.
  if (payload.find('\0') != std::string_view::npos) return fail(std::string("payload: contains a NUL byte"));
  if (payload.size() > qr_payload_bytes_max) {
    return fail("payload: " + std::to_string(payload.size()) + " bytes, a QR symbol holds at most " +
                std::to_string(qr_payload_bytes_max));
  }
  const std::string text(payload);
  errno = 0;
  const std::unique_ptr<QRcode, QrcodeFree> code(
      QRcode_encodeString(text.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1));
  if (!code) {
    if (errno == ERANGE) return fail(std::string("payload: too long for a QR symbol"));
    return fail("libqrencode: encoding failed (errno " + std::to_string(errno) + ")");
  }
  QrModules modules;
  modules.width = code->width;
  const std::size_t count =
      std::size_t{static_cast<unsigned>(code->width)} * static_cast<unsigned>(code->width);
  modules.dark.resize(count);
  // Bit 0 of each byte is the module's colour (1: dark); the other bits describe its role.
  for (std::size_t index = 0; index < count; ++index) modules.dark[index] = (code->data[index] & 1) != 0;
  return modules;
}

Result<std::vector<unsigned char>, std::string> render_qr_png(std::string_view payload, int module_pixels) {
  if (auto valid = check_module_pixels(module_pixels); !valid) return fail(valid.error());
  auto modules = encode_qr_modules(payload);
  if (!modules) return fail(modules.error());
  const int side_modules = image_modules(modules.value());
  const std::size_t side_pixels =
      static_cast<std::size_t>(side_modules) * static_cast<std::size_t>(module_pixels);
  std::vector<unsigned char> pixels(side_pixels * side_pixels, 0xFF);
  const int width = modules->width;
  for (int y = 0; y < width; ++y) {
    for (int x = 0; x < width; ++x) {
      if (!modules->dark[static_cast<std::size_t>(y * width + x)]) continue;
      const std::size_t top = static_cast<std::size_t>(y + quiet_zone_modules) * module_pixels;
      const std::size_t left = static_cast<std::size_t>(x + quiet_zone_modules) * module_pixels;
      for (std::size_t row = top; row < top + module_pixels; ++row) {
        std::fill_n(pixels.begin() + static_cast<std::ptrdiff_t>(row * side_pixels + left), module_pixels,
                    0x00);
      }
    }
  }
  const auto side = static_cast<std::uint32_t>(side_pixels);
  return encode_png_gray8(side, side, pixels);
}

Result<std::string, std::string> render_qr_svg(std::string_view payload, int module_pixels) {
  if (auto valid = check_module_pixels(module_pixels); !valid) return fail(valid.error());
  auto modules = encode_qr_modules(payload);
  if (!modules) return fail(modules.error());
  const std::string side_modules = std::to_string(image_modules(modules.value()));
  const std::string side_pixels = std::to_string(image_modules(modules.value()) * module_pixels);
  // One path, a horizontal run of dark modules per subpath, in module units (viewBox).
  std::string path;
  const int width = modules->width;
  for (int y = 0; y < width; ++y) {
    for (int x = 0; x < width;) {
      if (!modules->dark[static_cast<std::size_t>(y * width + x)]) {
        ++x;
        continue;
      }
      const int run_start = x;
      while (x < width && modules->dark[static_cast<std::size_t>(y * width + x)]) ++x;
      path += "M" + std::to_string(run_start + quiet_zone_modules) + " " +
              std::to_string(y + quiet_zone_modules) + "h" + std::to_string(x - run_start) + "v1h-" +
              std::to_string(x - run_start) + "z";
    }
  }
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + side_pixels + "\" height=\"" + side_pixels +
         "\" viewBox=\"0 0 " + side_modules + " " + side_modules + "\" shape-rendering=\"crispEdges\">" +
         "<rect width=\"" + side_modules + "\" height=\"" + side_modules + "\" fill=\"#fff\"/>" +
         "<path fill=\"#000\" d=\"" + path + "\"/></svg>\n";
}

}  // namespace kessai::qr
