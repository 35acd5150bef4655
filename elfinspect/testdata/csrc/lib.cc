// A C++ library: mangled names, templates, a unique (STB_GNU_UNIQUE)
// static in an inline function, vtables and typeinfo.
#include <string>
#include <vector>

namespace ns {
template <typename T> struct Box {
  T v;
  virtual ~Box() {}
  virtual T get() const { return v; }
};
inline int &counter() { static int n; return n; }
int use(const std::string &s, std::vector<int> v) {
  Box<long> b{};
  counter()++;
  return int(s.size() + v.size() + b.get()) + counter();
}
}  // namespace ns
