// Tests of the options mechanism: YAML reading, overrides, unknown keys, type errors, round trip.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/options.h"

namespace {

struct Inner {
  int width = 8;
  double lambda = 2.0;
  std::string rule = "frontier";
  template <class V>
  void visit(V& v) {
    v("width", width, "children per expansion");
    v("lambda", lambda, "UCT exploration constant");
    v.one_of("rule", rule, {"frontier", "uct", "root"}, "selection rule");
  }
};

struct Outer {
  std::string name = "run";
  bool verbose = false;
  std::vector<int> ks = {1, 4};
  Inner search;
  template <class V>
  void visit(V& v) {
    v("name", name, "run name");
    v("verbose", verbose, "more output");
    v("ks", ks, "k values");
    v("search", search, "search options");
  }
};

std::string temp_yaml(const std::string& text) {
  auto p = std::filesystem::temp_directory_path() / ("ds_opts_" + std::to_string(::getpid()) + ".yaml");
  std::ofstream(p) << text;
  return p.string();
}

TEST(Options, DefaultsWhenEmpty) {
  auto o = ds::load_options<Outer>("", {});
  EXPECT_EQ(o.search.width, 8);
  EXPECT_EQ(o.name, "run");
}

TEST(Options, YamlAndOverrides) {
  auto path = temp_yaml("name: x\nsearch:\n  width: 4\n");
  auto o = ds::load_options<Outer>(path, {"search.lambda=0.5", "ks=[1,2,3]", "verbose=true"});
  EXPECT_EQ(o.name, "x");
  EXPECT_EQ(o.search.width, 4);
  EXPECT_DOUBLE_EQ(o.search.lambda, 0.5);
  EXPECT_EQ(o.ks, (std::vector<int>{1, 2, 3}));
  EXPECT_TRUE(o.verbose);
}

TEST(Options, UnknownKeyListsValidOnes) {
  try {
    ds::load_options<Outer>("", {"search.widht=4"});
    FAIL() << "expected ConfigError";
  } catch (const ds::ConfigError& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("search.widht"), std::string::npos) << m;
    EXPECT_NE(m.find("width, lambda, rule"), std::string::npos) << m;
  }
}

TEST(Options, WrongTypeNamesFieldAndLine) {
  auto path = temp_yaml("name: x\nsearch:\n  width: 8.5\n");
  try {
    ds::load_options<Outer>(path, {});
    FAIL() << "expected ConfigError";
  } catch (const ds::ConfigError& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("search.width"), std::string::npos) << m;
    EXPECT_NE(m.find(":3"), std::string::npos) << m;
    EXPECT_NE(m.find("an integer"), std::string::npos) << m;
  }
}

TEST(Options, BadChoice) {
  EXPECT_THROW(ds::load_options<Outer>("", {"search.rule=best"}), ds::ConfigError);
}

TEST(Options, MalformedOverride) {
  EXPECT_THROW(ds::load_options<Outer>("", {"search.width"}), ds::ConfigError);
  EXPECT_THROW(ds::load_options<Outer>("", {"width.x=3"}), ds::ConfigError);
}

TEST(Options, InvalidYamlNamesLine) {
  auto path = temp_yaml("name: x\nsearch: [\n");
  EXPECT_THROW(ds::load_options<Outer>(path, {}), ds::ConfigError);
}

TEST(Options, RoundTripThroughYaml) {
  Outer o;
  o.search.width = 3;
  o.ks = {7};
  auto path = temp_yaml(ds::options_to_yaml_string(o));
  auto back = ds::load_options<Outer>(path, {});
  EXPECT_EQ(back.search.width, 3);
  EXPECT_EQ(back.ks, std::vector<int>{7});
  EXPECT_NE(ds::describe_options<Outer>().find("search.width (an integer) = 8"), std::string::npos)
      << ds::describe_options<Outer>();
}

}  // namespace
