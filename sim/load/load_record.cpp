#include "load_record.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace kessai::sim::load {

RecordFile::~RecordFile() {
  close();
}

bool RecordFile::open(const std::string& path) {
  std::lock_guard lock(mutex_);
  path_ = path;
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) problem_ = "cannot write --record " + path + ": " + std::strerror(errno);
  return fd_ >= 0;
}

void RecordFile::append(std::string_view lines) {
  std::lock_guard lock(mutex_);
  while (fd_ >= 0 && problem_.empty() && !lines.empty()) {
    const ssize_t written = ::write(fd_, lines.data(), lines.size());
    if (written < 0 && errno == EINTR) continue;  // a signal (SIGINT ends the run): write on
    if (written < 0) {
      problem_ = "cannot write --record " + path_ + ": " + std::strerror(errno);
      return;
    }
    lines.remove_prefix(static_cast<std::size_t>(written));
  }
}

bool RecordFile::close() {
  std::lock_guard lock(mutex_);
  if (fd_ >= 0 && ::close(fd_) != 0 && problem_.empty())
    problem_ = "cannot write --record " + path_ + ": " + std::strerror(errno);
  fd_ = -1;
  return problem_.empty();
}

std::string RecordFile::problem() const {
  std::lock_guard lock(mutex_);
  return problem_;
}

}  // namespace kessai::sim::load
