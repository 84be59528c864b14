# This file is a part of the jldepot project. License is MIT.
#
#   make            build usr/bin/jldepot and usr/lib/libjldepot.a
#   make test       every test, normally and under ASan+UBSan (installs deps)
#   make check      the fast tier: release build, unit tests, quick scenarios
#   make demo       the main job on the sample depot (installs deps)
#   make bench      the benchmarks (figures, not pass/fail)
#   make fuzz       the fuzz targets, longer (FUZZ_SECONDS per target)
#   make deps       install missing Debian packages
#   make check-format / make format
#
# New files need no edit here: src/*.c are runtime files, cli/*.c the tool;
# test/runtime/test-*.c, test/cli/test-*.c, test/tools/*.c, test/fuzz/fuzz-*.c
# and test/bench/bench-*.c each become one program.

include Make.inc

TOP := $(CURDIR)
ifeq ($(SANITIZE),1)
USRDIR := $(BUILDDIR)/usr
else
USRDIR := usr
endif

RUNTIME_SRCS := $(sort $(filter-out src/llvm-%.c,$(wildcard src/*.c)))
RUNTIME_CXX_SRCS := $(sort $(filter-out src/llvm-%.cpp,$(wildcard src/*.cpp)))
# LLVM users (src/llvm-*.c, src/llvm-*.cpp) go into their own library, which
# only the programs in LLVM_PROGS link (with LLVM's C flags and libraries).
LLVM_SRCS    := $(sort $(wildcard src/llvm-*.c src/llvm-*.cpp))
LLVM_OBJS    := $(patsubst src/%.cpp,$(BUILDDIR)/obj/%.o,$(LLVM_SRCS:src/%.c=$(BUILDDIR)/obj/%.o))
LLVM_LIB     := $(USRDIR)/lib/libjldepot-llvm.a
LLVM_CFLAGS  := $(shell $(LLVM_CONFIG) --cflags 2>/dev/null)
LLVM_LIBS    := $(shell $(LLVM_CONFIG) --ldflags --libs 2>/dev/null) -lstdc++
TOOL_SRCS    := $(sort $(wildcard cli/*.c))
# the tool's files that are not commands (the codec, verifier, ...), its
# model conveniences (errors, layouts), its DEPOT_PATH builder and upstream's
# `@depot` form of names
CODEC_SRCS   := $(filter-out cli/jldepot%.c,$(TOOL_SRCS)) cli/jldepot_model.c cli/jldepot_stack.c \
                cli/jldepot_upstream.c
RUNTIME_HDRS := $(wildcard src/*.h) $(wildcard cli/*.h)
RUNTIME_OBJS := $(RUNTIME_SRCS:src/%.c=$(BUILDDIR)/obj/%.o) \
                $(RUNTIME_CXX_SRCS:src/%.cpp=$(BUILDDIR)/obj/%.o)
# the tool's one C++ file: TOML through toml++ (Debian has no C TOML library)
TOOL_CXX_SRCS := $(sort $(wildcard cli/*.cpp))
TOOL_OBJS    := $(TOOL_SRCS:cli/%.c=$(BUILDDIR)/obj/cli/%.o) \
                $(TOOL_CXX_SRCS:cli/%.cpp=$(BUILDDIR)/obj/cli/%.o)
LIB          := $(USRDIR)/lib/libjldepot.a
TOOL         := $(USRDIR)/bin/jldepot

UNIT_SRCS  := $(sort $(wildcard test/runtime/test-*.c test/cli/test-*.c))
UNIT_BINS  := $(UNIT_SRCS:test/%.c=$(BUILDDIR)/test/%)
TTOOL_SRCS := $(sort $(filter-out test/tools/preload-%.c,$(wildcard test/tools/*.c)))
TTOOL_BINS := $(TTOOL_SRCS:test/tools/%.c=$(BUILDDIR)/test/tools/%)
# test/tools/preload-*.c: LD_PRELOAD libraries for the tests (fault injection)
PRELOAD_SRCS := $(sort $(wildcard test/tools/preload-*.c))
PRELOAD_SOS  := $(PRELOAD_SRCS:test/tools/%.c=$(BUILDDIR)/test/tools/%.so)
FUZZ_SRCS  := $(sort $(wildcard test/fuzz/fuzz-*.c))
FUZZ_BINS  := $(FUZZ_SRCS:test/fuzz/%.c=$(BUILDDIR)/test/fuzz/%)
BENCH_SRCS := $(sort $(wildcard test/bench/bench-*.c))
BENCH_BINS := $(BENCH_SRCS:test/bench/%.c=$(BUILDDIR)/test/bench/%)
LLVM_PROGS := $(foreach b,$(UNIT_BINS) $(TTOOL_BINS) $(BENCH_BINS),$(if $(findstring llvm,$(notdir $(b))),$(b))) \
              $(BUILDDIR)/test/tools/mkdiso
FORMAT_SRCS := $(wildcard src/*.c src/*.h src/*.cpp cli/*.c cli/*.h cli/*.cpp test/*.c test/*.h test/*/*.c test/*/*.h \
                          test/*/*.cpp)

, := ,
RUNTIME_CFLAGS := $(JCFLAGS) $(call pkgcflags,$(RUNTIME_PKGS))
RUNTIME_LIBS   := $(call pkglibs,$(RUNTIME_PKGS)) -lm
TOOL_CFLAGS    := $(RUNTIME_CFLAGS) $(call pkgcflags,$(TOOL_PKGS))
TOOL_LIBS      := $(call pkglibs,$(TOOL_PKGS)) $(RUNTIME_LIBS) -lstdc++
TEST_CFLAGS    := $(TOOL_CFLAGS) $(call pkgcflags,$(TEST_PKGS)) -Itest
TEST_LIBS      := $(call pkglibs,$(TEST_PKGS)) $(TOOL_LIBS)
FUZZ_SAN       := $(if $(filter 1,$(SANITIZE)),-fsanitize=fuzzer$(,)address$(,)undefined -fno-sanitize-recover=all,-fsanitize=fuzzer)

.PHONY: all tool lib tests test check test-build demo bench fuzz deps check-format format clean distclean
.DEFAULT_GOAL := all

all: tool

tool: $(TOOL)
lib: $(LIB)

$(BUILDDIR)/obj/cli/jldepot%.o: cli/jldepot%.c $(RUNTIME_HDRS) Make.inc
	@mkdir -p $(@D)
	$(CC) $(TOOL_CFLAGS) -c $< -o $@

$(BUILDDIR)/obj/cli/%.o: cli/%.c $(RUNTIME_HDRS) Make.inc
	@mkdir -p $(@D)
	$(CC) $(RUNTIME_CFLAGS) -Wc++-compat -c $< -o $@

$(BUILDDIR)/obj/cli/%.o: cli/%.cpp $(RUNTIME_HDRS) Make.inc
	@mkdir -p $(@D)
	$(CXX) $(filter-out -std=gnu99 -Wold-style-definition -Wstrict-prototypes,$(TOOL_CFLAGS)) -std=c++17 \
	    $(if $(filter 1,$(SANITIZE)),-fno-sanitize=vptr) -c $< -o $@

# Runtime files are also C++-clean, as Julia compiles its runtime C.
$(BUILDDIR)/obj/%.o: src/%.c $(RUNTIME_HDRS) Make.inc
	@mkdir -p $(@D)
	$(CC) $(RUNTIME_CFLAGS) -Wc++-compat -c $< -o $@

$(BUILDDIR)/obj/%.o: src/%.cpp $(RUNTIME_HDRS) Make.inc
	@mkdir -p $(@D)
	$(CXX) $(filter-out -std=gnu99 -Wold-style-definition -Wstrict-prototypes,$(RUNTIME_CFLAGS)) -std=c++17 $(shell $(LLVM_CONFIG) --cxxflags 2>/dev/null | sed 's/-fno-exceptions//') -c $< -o $@

$(BUILDDIR)/obj/llvm-%.o: src/llvm-%.c $(RUNTIME_HDRS) Make.inc
	@mkdir -p $(@D)
	$(CC) $(RUNTIME_CFLAGS) $(LLVM_CFLAGS) -c $< -o $@

$(BUILDDIR)/obj/llvm-%.o: src/llvm-%.cpp $(RUNTIME_HDRS) Make.inc
	@mkdir -p $(@D)
	$(CXX) $(filter-out -std=gnu99 -Wold-style-definition -Wstrict-prototypes,$(RUNTIME_CFLAGS)) $(shell $(LLVM_CONFIG) --cxxflags 2>/dev/null) -fno-rtti -c $< -o $@

$(LLVM_LIB): $(LLVM_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

$(LLVM_PROGS): $(LLVM_LIB)
$(LLVM_PROGS): PROG_LLVM_CFLAGS = $(LLVM_CFLAGS)
$(LLVM_PROGS): PROG_LLVM_LIB = $(LLVM_LIB)
$(LLVM_PROGS): PROG_LLVM_LIBS = $(LLVM_LIBS)

# The test bed's C++ helper (test/tools/dimap-testbed.cpp: DIFiles with a
# DWARF 5 MD5, llvm::MD5), linked into the programs that play codegen.
TESTBED_OBJ   := $(BUILDDIR)/test/tools/dimap-testbed.o
TESTBED_PROGS := $(BUILDDIR)/test/tools/mkdiso $(BUILDDIR)/test/runtime/test-llvm-depotmap \
                 $(BUILDDIR)/test/bench/bench-llvm-depotmap
$(TESTBED_OBJ): test/tools/dimap-testbed.cpp test/tools/dimap-testbed.h Make.inc
	@mkdir -p $(@D)
	$(CXX) $(filter-out -std=gnu99 -Wold-style-definition -Wstrict-prototypes,$(TOOL_CFLAGS)) $(shell $(LLVM_CONFIG) --cxxflags 2>/dev/null) -fno-rtti -c $< -o $@

$(TESTBED_PROGS): $(TESTBED_OBJ) test/tools/dimap-testbed.h
$(TESTBED_PROGS): PROG_TESTBED_OBJ = $(TESTBED_OBJ)

TOOL_LIB_OBJS := $(filter-out $(BUILDDIR)/obj/cli/jldepot.o,$(TOOL_OBJS))
$(LIB): $(RUNTIME_OBJS) $(TOOL_LIB_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

$(TOOL): $(BUILDDIR)/obj/cli/jldepot.o $(LIB)
	@mkdir -p $(@D)
	$(CC) $(JLDFLAGS) -o $@ $(BUILDDIR)/obj/cli/jldepot.o $(LIB) $(TOOL_LIBS)

$(BUILDDIR)/test/testutil.o: test/testutil.c test/testutil.h
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -c $< -o $@

$(BUILDDIR)/test/%: test/%.c $(BUILDDIR)/test/testutil.o $(LIB) $(RUNTIME_HDRS) test/testutil.h
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) $(PROG_LLVM_CFLAGS) -o $@ $< $(BUILDDIR)/test/testutil.o $(PROG_TESTBED_OBJ) $(PROG_LLVM_LIB) $(LIB) $(TEST_LIBS) $(PROG_LLVM_LIBS)

$(BUILDDIR)/test/tools/%: test/tools/%.c $(LIB) $(RUNTIME_HDRS)
	@mkdir -p $(@D)
	$(CC) $(TOOL_CFLAGS) $(PROG_LLVM_CFLAGS) -Itest -o $@ $< $(PROG_TESTBED_OBJ) $(PROG_LLVM_LIB) $(LIB) $(TOOL_LIBS) $(PROG_LLVM_LIBS)

# without sanitizers: it is preloaded into programs of either build
$(BUILDDIR)/test/tools/preload-%.so: test/tools/preload-%.c
	@mkdir -p $(@D)
	$(CC) -std=gnu99 -fPIC -shared -D_GNU_SOURCE -O2 -g $(WARNFLAGS) -o $@ $< -ldl

$(BUILDDIR)/test/bench/%: test/bench/%.c $(LIB) $(RUNTIME_HDRS)
	@mkdir -p $(@D)
	$(CC) $(TOOL_CFLAGS) $(PROG_LLVM_CFLAGS) -Itest -o $@ $< $(PROG_TESTBED_OBJ) $(PROG_LLVM_LIB) $(LIB) $(TOOL_LIBS) $(PROG_LLVM_LIBS)

# Fuzz targets compile the runtime sources themselves, with coverage.
$(BUILDDIR)/test/fuzz/%: test/fuzz/%.c $(RUNTIME_SRCS) $(CODEC_SRCS) $(RUNTIME_HDRS)
	@mkdir -p $(@D)
	$(CLANG) -g -O1 -std=gnu99 -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -Isrc -Icli $(FUZZ_SAN) \
	    $(call pkgcflags,$(RUNTIME_PKGS)) -o $@ $< $(RUNTIME_SRCS) $(CODEC_SRCS) $(FUZZ_EXTRA) \
	    $(RUNTIME_LIBS)

# The manifest and index targets also take the tool's parser, with json-c.
FUZZ_JSON_BINS := $(BUILDDIR)/test/fuzz/fuzz-manifest $(BUILDDIR)/test/fuzz/fuzz-index
$(FUZZ_JSON_BINS): cli/jldepot_parse.c
$(FUZZ_JSON_BINS): FUZZ_EXTRA = cli/jldepot_parse.c $(call pkgcflags,json-c) $(call pkglibs,json-c)

tests: $(TOOL) $(UNIT_BINS) $(TTOOL_BINS) $(PRELOAD_SOS) $(FUZZ_BINS) $(BENCH_BINS)

# --- the README's two commands ------------------------------------------------
test: deps
	$(MAKE) check-format
	$(MAKE) tests
	$(MAKE) SANITIZE=1 tests
	bash test/runtests.sh $(BUILDROOT)/release $(BUILDROOT)/asan
	$(MAKE) check-patches

check: deps
	$(MAKE) tests
	QUICK=1 bash test/runtests.sh $(BUILDROOT)/release

demo: deps
	$(MAKE) tests
	bash contrib/demo.sh

bench: deps
	$(MAKE) tests
	bash test/bench/run.sh

FUZZ_SECONDS ?= 300
fuzz: deps
	$(MAKE) SANITIZE=1 tests
	bash test/fuzz/run.sh $(BUILDROOT)/asan $(FUZZ_SECONDS)

# --- the patch series for upstream Julia (patches/README.md) ------------------
.PHONY: patches check-patches
patches:
	bash contrib/make-patches.sh patches

check-patches:
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && bash contrib/make-patches.sh "$$tmp" && \
	    diff -r -x msgs -x hunks -x README.md "$$tmp" patches && echo "patches/ is in step"
	@bash contrib/check-reach.sh

deps:
	@bash contrib/install-deps.sh $(DEB_PKGS)

check-format:
	@command -v $(CLANG_FORMAT) >/dev/null || { echo "$(CLANG_FORMAT) missing: run make deps"; exit 1; }
	$(CLANG_FORMAT) --dry-run -Werror $(FORMAT_SRCS)

format:
	$(CLANG_FORMAT) -i $(FORMAT_SRCS)

clean:
	rm -rf $(BUILDROOT) usr

distclean: clean
