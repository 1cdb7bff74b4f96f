# gitgate - build, run, test. See README.md.
#   make            build/gitgate (installs missing Debian -dev packages as root)
#   make run        dev certificates + gitgate serve on 127.0.0.1:8443
#   make test       unit, fixture, black-box and kubectl end-to-end suites
#   make SANITIZE=address,undefined test   (into build-san-address-undefined/)
#   make image      the container image, with podman (tools/image-build)
#   make bench / make fuzz / make lint / make valgrind / make include-graph

CC	?= cc
# A sanitizer build goes into its own directory by itself, so that it never
# reuses (or leaves behind) uninstrumented objects: SANITIZE=address,undefined
# builds into build-san-address-undefined/. BUILD= on the command line wins.
comma	:= ,
ifneq ($(SANITIZE),)
BUILD	?= build-san-$(subst $(comma),-,$(SANITIZE))
else
BUILD	?= build
endif
VERSION	:= $(shell cat VERSION 2>/dev/null || echo 0.0.0)
GITREV	:= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)

PKGS	 = libmicrohttpd libcjson yaml-0.1 libpcre2-8 openssl gnutls
DEB_PKGS = libmicrohttpd-dev libcjson-dev libyaml-dev libpcre2-dev \
	   libssl-dev libgnutls28-dev pkg-config

WARN	 = -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
	   -Wmissing-prototypes -Wformat=2 -Wwrite-strings -Wcast-qual \
	   -Wno-format-nonliteral -Werror
ifeq ($(findstring clang,$(shell $(CC) --version 2>/dev/null)),)
WARN	+= -Wno-format-truncation	# gcc: snprintf truncation is deliberate
endif
CFLAGS	?= -O2 -g
CFLAGS	+= -std=c11 -D_GNU_SOURCE -pthread $(WARN) -fstack-protector-strong \
	   -D_FORTIFY_SOURCE=2 -fPIE -MMD -MP \
	   -Iwebhook -I. \
	   -DGITGATE_VERSION='"$(VERSION)"' -DGITGATE_GITREV='"$(GITREV)"'
LDFLAGS	+= -pthread -pie -Wl,-z,relro,-z,now
LIBS	 = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
ifneq ($(SANITIZE),)
CFLAGS	+= -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
CFLAGS	:= $(filter-out -D_FORTIFY_SOURCE=2,$(CFLAGS))
LDFLAGS	+= -fsanitize=$(SANITIZE)
endif

SRCS	 = $(wildcard webhook/*/*.c certs/*.c)
HDRS	 = $(wildcard webhook/*/*.h certs/*.h)
OBJS	 = $(SRCS:%.c=$(BUILD)/%.o)
LIB_OBJS = $(filter-out $(BUILD)/webhook/cli/main.o,$(OBJS))

all: deps $(BUILD)/gitgate

# Install missing build dependencies (as root), or say how to.
deps:
	@missing=""; for p in $(DEB_PKGS); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | \
		grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "installing:$$missing"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -qq $$missing >/dev/null || exit 1; \
		else \
			echo "missing packages; run: sudo apt-get install -y$$missing"; \
			exit 1; \
		fi; \
	fi

$(BUILD)/%.o: %.c $(BUILD)/flags
	@mkdir -p $(dir $@)
	@echo "CC $<"
	@$(CC) $(CFLAGS) $(shell pkg-config --cflags $(PKGS) 2>/dev/null) -c $< -o $@

$(BUILD)/gitgate: $(OBJS)
	$(CC) $(LDFLAGS) -o $@ $(OBJS) $(LIBS)

# main.o and metrics.o embed the version and Git revision: rebuild them
# when either changes (the stamp is rewritten only then).
$(BUILD)/gitrev: FORCE
	@mkdir -p $(BUILD)
	@echo '$(VERSION) $(GITREV)' | cmp -s - $@ || \
		echo '$(VERSION) $(GITREV)' > $@
$(BUILD)/webhook/cli/main.o $(BUILD)/webhook/base/metrics.o: $(BUILD)/gitrev

# Every object depends on the compiler and flags it was built with: a
# different CC, CFLAGS or SANITIZE in the same BUILD rebuilds everything
# instead of linking old objects (the stamp is rewritten only on a change;
# the version defines are left out, gitrev above handles them).
BUILD_FLAGS = $(CC) $(filter-out -DGITGATE_%,$(CFLAGS)) $(LDFLAGS)
$(BUILD)/flags: FORCE
	@mkdir -p $(BUILD)
	@echo '$(BUILD_FLAGS)' | cmp -s - $@ || echo '$(BUILD_FLAGS)' > $@
FORCE:
.PHONY: FORCE

# Unit tests mirror the tree: test/unit/DIR/test_X.c tests webhook/DIR/X.c
# and links the module under test and what it declares it needs
# (UNIT_DEPS_X), nothing else. Binaries are $(BUILD)/test/test_X.
REVIEW_DEPS		= webhook/wire/review webhook/base/json_parse \
			  webhook/base/json_out webhook/base/dynbuf webhook/base/utf8 \
			  webhook/base/kube
POLICY_DEPS		= webhook/policy/policy webhook/policy/policy_set \
			  webhook/policy/policy_exception \
			  webhook/policy/policy_schema webhook/policy/policy_spec \
			  webhook/wire/yaml_doc webhook/base/match \
			  webhook/base/diag webhook/base/kube
FILE_READ_DEPS		= webhook/base/file_read webhook/base/dynbuf
RULE_DEPS		= webhook/rules/rule_util webhook/rules/rule_owner \
			  webhook/base/match $(REVIEW_DEPS) $(POLICY_DEPS)
RULES_ALL		= webhook/rules/rules webhook/rules/rule_image \
			  webhook/rules/rule_source webhook/rules/rule_actor \
			  webhook/rules/rule_actor_ops webhook/rules/rule_actor_from \
			  webhook/rules/rule_flux_source webhook/rules/rule_flux_spec \
			  webhook/rules/rule_flux_url webhook/rules/rule_flux_verify \
			  webhook/base/image $(RULE_DEPS)
UNIT_DEPS_image		= webhook/base/image
UNIT_DEPS_dynbuf	= webhook/base/dynbuf
UNIT_DEPS_file_read	= $(FILE_READ_DEPS)
UNIT_DEPS_json_out	= webhook/base/json_out webhook/base/dynbuf
UNIT_DEPS_kube		= webhook/base/kube
UNIT_DEPS_utf8		= webhook/base/utf8
UNIT_DEPS_diag		= webhook/base/diag
UNIT_DEPS_metrics	= webhook/base/metrics webhook/base/kube \
			  webhook/base/metrics_exception webhook/base/dynbuf
UNIT_DEPS_match		= webhook/base/match
UNIT_DEPS_body_budget	= webhook/http/body_budget
UNIT_DEPS_conn_table	= webhook/http/conn_table
UNIT_DEPS_listener	= webhook/http/listener webhook/http/conn_table \
			  webhook/base/log \
			  $(UNIT_DEPS_metrics)
UNIT_DEPS_json_parse	= webhook/base/json_parse webhook/base/utf8
UNIT_DEPS_policy	= $(RULES_ALL)
UNIT_DEPS_policy_kind	= $(POLICY_DEPS)
UNIT_DEPS_policy_exception = $(RULES_ALL)
UNIT_DEPS_policy_store	= webhook/policy/policy_store webhook/policy/policy
UNIT_DEPS_manifest	= webhook/wire/manifest webhook/wire/manifest_stream \
			  webhook/wire/manifest_yaml webhook/wire/yaml_doc \
			  webhook/base/diag
UNIT_DEPS_certs		= certs/certs_gen certs/certs_inspect \
			  webhook/http/tls_cert $(FILE_READ_DEPS)
UNIT_DEPS_review	= $(REVIEW_DEPS)
UNIT_DEPS_rule_image	= webhook/rules/rule_image webhook/base/image \
			  $(RULE_DEPS)
UNIT_DEPS_rule_source	= webhook/rules/rule_source $(RULE_DEPS)
UNIT_DEPS_rule_flux_source = webhook/rules/rule_flux_source \
			  webhook/rules/rule_flux_spec webhook/rules/rule_flux_url \
			  webhook/rules/rule_flux_verify \
			  $(RULE_DEPS)
UNIT_DEPS_rule_actor_ops = $(UNIT_DEPS_rule_actor)
UNIT_DEPS_rule_actor_kinds = $(RULES_ALL)
UNIT_DEPS_rule_actor	= webhook/rules/rule_actor \
			  webhook/rules/rule_actor_ops webhook/rules/rule_actor_from \
			  $(RULE_DEPS)
UNIT_DEPS_verdict	= webhook/admission/verdict webhook/base/utf8 \
			  webhook/policy/policy
UNIT_DEPS_rule_owner	= $(RULE_DEPS)
UNIT_DEPS_eval_match	= $(UNIT_DEPS_eval)
UNIT_DEPS_eval		= webhook/admission/eval webhook/admission/verdict \
			  $(RULES_ALL)
UNIT_DEPS_eval_exception = $(UNIT_DEPS_eval)
UNIT_DEPS_serve_opts	= webhook/cli/serve_opts webhook/cli/cli_opt \
			  webhook/cli/serve_mem webhook/base/log
UNIT_DEPS_serve_mem	= webhook/cli/serve_mem

UNIT_SRCS  = $(wildcard test/unit/*/test_*.c)
UNIT_NAMES = $(notdir $(UNIT_SRCS:%.c=%))
UNIT_BINS  = $(UNIT_NAMES:%=$(BUILD)/test/%)
unit_src   = $(filter %/$(1).c,$(UNIT_SRCS))

.SECONDEXPANSION:
$(BUILD)/test/test_%: $$(call unit_src,test_$$*) $$(addprefix $(BUILD)/,$$(addsuffix .o,$$(UNIT_DEPS_$$*)))
	@mkdir -p $(dir $@)
	@echo "CC $<"
	@$(CC) $(CFLAGS) -Itest/unit $(shell pkg-config --cflags $(PKGS) 2>/dev/null) \
		-o $@ $< $(addprefix $(BUILD)/,$(addsuffix .o,$(sort $(UNIT_DEPS_$*)))) $(LDFLAGS) $(LIBS)

unit: $(UNIT_BINS)

test: all unit
	@GITGATE=$(BUILD)/gitgate BUILD=$(BUILD) test/run

run: all
	@test -f $(BUILD)/dev-certs/tls.crt || \
		$(BUILD)/gitgate certs --out $(BUILD)/dev-certs \
		--dns localhost --dns 127.0.0.1 --dns gitgate.gitgate-system.svc >/dev/null
	$(BUILD)/gitgate serve --listen 127.0.0.1:8443 \
		--tls-cert $(BUILD)/dev-certs/tls.crt \
		--tls-key $(BUILD)/dev-certs/tls.key --policies policies

# Static checks: cppcheck, the banned functions, no // comments, the
# house layout (test/lint/style: KNF's tabs are beyond clang-format 14)
BANNED	= strcpy|strcat|sprintf|vsprintf|strtok|atoi|gets|strncpy
lint:
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
		--inline-suppr --std=c11 -Iwebhook -I. \
		webhook certs
	@! grep -nE '(^|[^_a-z])($(BANNED))\(' $(SRCS) || \
		{ echo "banned function (see STYLE.md)"; exit 1; }
	@! grep -n '^[^"]*//' $(SRCS) $(HDRS) || \
		{ echo "// comment"; exit 1; }
	@test/lint/include_graph >/dev/null || test/lint/include_graph
	@test/lint/style

# The include graph over webhook/'s folders; fails on an upward include
include-graph:
	@test/lint/include_graph

# Time-boxed fuzzing of every parser (clang, libFuzzer, ASan+UBSan)
FUZZ_SECONDS ?= 60
fuzz:
	@FUZZ_SECONDS=$(FUZZ_SECONDS) BUILD=$(BUILD) test/fuzz/run

# The unit, CLI, fixture and black-box suites under valgrind memcheck
valgrind: all unit
	@BUILD=$(BUILD) test/valgrind/run

# Side-by-side benchmark (gitgate, nginx, a Go peer): build/bench/report.md
bench:
	@BUILD=$(BUILD) test/bench/run

bench-soak:
	@BUILD=$(BUILD) test/bench/run --soak

PREFIX	?= /usr/local
install: all
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(BUILD)/gitgate $(DESTDIR)$(PREFIX)/bin/gitgate

# The container image (podman; the base made with debootstrap where no
# registry answers). Root only. test/image/run builds it and runs it.
IMAGE	?= ghcr.io/gitgate/gitgate:$(VERSION)
image:
	@IMAGE=$(IMAGE) GITREV=$(GITREV) tools/image-build

# Prints the build directory (test/build checks the sanitizer default)
print-build:
	@echo $(BUILD)

clean:
	rm -rf $(BUILD) build build-san-* build-asan

.PHONY: all deps unit test run install clean bench bench-soak fuzz valgrind lint include-graph \
	image print-build
-include $(OBJS:.o=.d)
