// Owns a small, dependency-free SVG line chart: several named (x, y) series on shared axes with
// tick labels, axis titles and a legend, for the demo report (metrics against training steps) and
// the benchmark reports (held-out accuracy against compute). Output is a standalone SVG document.
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <vector>

namespace ds::eval {

struct PlotSeries {
  std::string name;
  std::vector<double> x, y;  // same length; non-finite points are skipped
  bool markers = false;      // draw a dot at every point
};

struct PlotOptions {
  std::string title;
  std::string x_label, y_label;
  int width = 720, height = 420;
  // Fixed y range when y_min < y_max (e.g. 0..1 for accuracies); else from the data.
  double y_min = 0.0, y_max = 0.0;
};

// The chart as an SVG document (an empty chart with a note when no series has a finite point).
std::string svg_line_chart(const std::vector<PlotSeries>& series, const PlotOptions& options);

}  // namespace ds::eval
