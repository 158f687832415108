#pragma once
// --record: the payments kessaid acknowledged, a line each, for whoever checks afterwards that kessaid kept
// them (the crash test). The I/O threads gather their lines in buffers of their own, so that nothing on a
// request's way takes a lock, and hand them over here in blocks: one write(2) each, under a mutex. No
// fsync: the file must be complete when this process ends, not survive a crash of the machine.

#include <mutex>
#include <string>
#include <string_view>

namespace kessai::sim::load {

class RecordFile {
 public:
  RecordFile() = default;
  ~RecordFile();
  RecordFile(const RecordFile&) = delete;
  RecordFile& operator=(const RecordFile&) = delete;

  // Creates the file, or empties it; false with problem() when it cannot.
  bool open(const std::string& path);
  // Appends whole lines; from any thread. A failure is kept for problem() and ends the writing.
  void append(std::string_view lines);
  // Closes the file; false with problem() when a write or the close failed.
  bool close();
  std::string problem() const;

 private:
  mutable std::mutex mutex_;
  int fd_ = -1;
  std::string path_ = "";
  std::string problem_ = "";  // the first failure
};

}  // namespace kessai::sim::load
