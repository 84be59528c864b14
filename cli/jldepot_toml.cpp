// This file is a part of the jldepot tool. License is MIT.

/*
  jldepot_toml.cpp: TOML files as json-c trees (jldepot_toml.h), through
  toml++.  The file is read here (bounded, regular files only) and handed
  to toml++ as a string, so that its size limit and refusals are the tool's.
*/

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <toml++/toml.h>

#include "jldepot_toml.h"

static char *dup_msg(const std::string &s)
{
    char *p = static_cast<char *>(std::malloc(s.size() + 1));
    if (p)
        std::memcpy(p, s.c_str(), s.size() + 1);
    return p;
}

static json_object *to_json(const toml::node &n)
{
    if (auto t = n.as_table()) {
        json_object *o = json_object_new_object();
        for (auto &&[k, v] : *t)
            json_object_object_add_ex(o, std::string(k.str()).c_str(), to_json(v),
                                      JSON_C_OBJECT_ADD_KEY_IS_NEW);
        return o;
    }
    if (auto a = n.as_array()) {
        json_object *o = json_object_new_array_ext((int)a->size());
        for (auto &&v : *a)
            json_object_array_add(o, to_json(v));
        return o;
    }
    if (auto s = n.as_string())
        return json_object_new_string_len(s->get().data(), (int)s->get().size());
    if (auto i = n.as_integer())
        return json_object_new_int64(i->get());
    if (auto f = n.as_floating_point())
        return json_object_new_double(f->get());
    if (auto b = n.as_boolean())
        return json_object_new_boolean(b->get());
    // dates and times: their TOML text
    std::ostringstream os;
    n.visit([&os](auto &&v) { os << v; });
    return json_object_new_string(os.str().c_str());
}

json_object *jldepot_toml_parse_file(const char *path, size_t max_bytes, char **err)
{
    *err = nullptr;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        *err = dup_msg(std::string(path) + ": " + std::strerror(errno));
        return nullptr;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        *err = dup_msg(std::string(path) + ": not a regular file");
        return nullptr;
    }
    if ((unsigned long long)st.st_size > max_bytes) {
        close(fd);
        *err = dup_msg(std::string(path) + ": larger than " + std::to_string(max_bytes) + " bytes");
        return nullptr;
    }
    std::string text((size_t)st.st_size, '\0');
    size_t off = 0;
    while (off < text.size()) {
        ssize_t k = read(fd, &text[off], text.size() - off);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        off += (size_t)k;
    }
    close(fd);
    if (off != text.size()) {
        *err = dup_msg(std::string(path) + ": changed or unreadable while read");
        return nullptr;
    }
    auto fail = [&](const toml::parse_error &e) {
        std::ostringstream os;
        os << path << ":" << e.source().begin.line << ":" << e.source().begin.column << ": "
           << e.description();
        *err = dup_msg(os.str());
        return (json_object *)nullptr;
    };
#if TOML_EXCEPTIONS
    try {
        toml::table t = toml::parse(text, std::string_view(path));
        return to_json(t);
    }
    catch (const toml::parse_error &e) {
        return fail(e);
    }
#else
    toml::parse_result r = toml::parse(text, std::string_view(path));
    if (!r)
        return fail(r.error());
    return to_json(r.table());
#endif
}
