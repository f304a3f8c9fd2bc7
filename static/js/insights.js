// The insights page's charts, drawn by Chart.js (static/vendor/chartjs) from the page's own
// tables: every number comes from a cell's data-value, so the tables stay the one source,
// and the page is whole without script. A chart is a picture of its table (role="img",
// named after the table's caption); clicking a bar or point opens the chats behind it, as
// the cell's link does. Colours are the page's CSS custom properties (ragchat.css), read
// again when the colour scheme changes. This lives in a file because the page's
// Content-Security-Policy runs no inline script.
(function () {
  "use strict";

  var Chart = window.Chart;
  var tables = Array.prototype.slice.call(document.querySelectorAll("table[data-chart]"));
  if (!Chart || !tables.length) {
    return;
  }
  var darkScheme = window.matchMedia("(prefers-color-scheme: dark)");
  var reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");
  var LABEL_LENGTH = 40; // of a source's name beside its bar
  var CHARTED_SOURCES = 10; // the first ones of the table (the table has them all)

  // Reading a table: a row's data-label (and data-key, data-group for tables by model),
  // and for each column marked data-series, the cell's number and link.
  function readTable(table) {
    var series = Array.prototype.map.call(table.tHead.rows[0].cells, function (cell) {
      return cell.dataset.series || null;
    });
    return Array.prototype.map.call(table.tBodies[0].rows, function (row) {
      var values = {};
      var links = {};
      Array.prototype.forEach.call(row.cells, function (cell, index) {
        var name = series[index];
        if (name) {
          var raw = cell.dataset.value;
          values[name] = raw === undefined || raw === "" ? null : Number(raw);
          var link = cell.querySelector("a[href]");
          links[name] = link ? link.href : null;
        }
      });
      var label = row.dataset.label;
      var key = row.dataset.key || label;
      return { label: label, key: key, group: row.dataset.group, values: values, links: links };
    });
  }

  // Colours: each custom property resolved by the browser to rgb(), which Chart.js reads.
  function palette() {
    var probe = document.createElement("span");
    probe.hidden = true;
    document.body.appendChild(probe);
    function colour(name) {
      probe.style.color = "var(" + name + ")";
      return window.getComputedStyle(probe).color;
    }
    var colours = {
      text: colour("--ragchat-chart-text"),
      grid: colour("--ragchat-chart-grid"),
      up: colour("--ragchat-chart-up"),
      down: colour("--ragchat-chart-down"),
      neutral: colour("--ragchat-chart-neutral"),
      series: [1, 2, 3, 4, 5].map(function (n) {
        return colour("--ragchat-chart-" + n);
      }),
    };
    probe.remove();
    return colours;
  }

  function faded(colour, alpha) {
    return Chart.helpers.color(colour).alpha(alpha).rgbString();
  }

  function dataset(label, rows, name, colour, extra) {
    return Object.assign(
      {
        label: label,
        data: rows.map(function (row) {
          return row ? row.values[name] : null;
        }),
        links: rows.map(function (row) {
          return row ? row.links[name] : null;
        }),
        borderColor: colour,
        backgroundColor: colour,
      },
      extra || {}
    );
  }

  function line(label, rows, name, colour, extra) {
    // Monotone: a curve between days that never swings past the numbers it joins.
    var looks = {
      type: "line",
      pointRadius: 2,
      pointHoverRadius: 5,
      borderWidth: 2,
      cubicInterpolationMode: "monotone",
    };
    return dataset(label, rows, name, colour, Object.assign(looks, extra || {}));
  }

  function bar(label, rows, name, colour, extra) {
    var looks = {
      type: "bar",
      borderRadius: 2,
      borderWidth: 1,
      backgroundColor: faded(colour, 0.75),
    };
    return dataset(label, rows, name, colour, Object.assign(looks, extra || {}));
  }

  function labels(rows) {
    return rows.map(function (row) {
      return row.label;
    });
  }

  // A table by day and model, as one list of rows per model over the days it names.
  function byGroup(rows) {
    var keys = [];
    var days = {};
    var groups = [];
    rows.forEach(function (row) {
      if (!(row.key in days)) {
        days[row.key] = row.label;
        keys.push(row.key);
      }
      if (groups.indexOf(row.group) < 0) {
        groups.push(row.group);
      }
    });
    return {
      labels: keys.map(function (key) {
        return days[key];
      }),
      groups: groups.map(function (group) {
        return {
          name: group,
          rows: keys.map(function (key) {
            return (
              rows.filter(function (row) {
                return row.group === group && row.key === key;
              })[0] || null
            );
          }),
        };
      }),
    };
  }

  var percent = function (value) {
    return Math.round(value * 100) + "%";
  };
  var milliseconds = function (value) {
    return Math.round(value).toLocaleString("en") + " ms";
  };

  function tooltipAs(format) {
    return {
      callbacks: {
        label: function (item) {
          return item.dataset.label + ": " + (item.raw === null ? "–" : format(item.raw));
        },
      },
    };
  }

  // Each chart's picture of its table.
  var CHARTS = {
    activity: function (rows, colours) {
      return {
        data: {
          labels: labels(rows),
          datasets: [
            line("Conversations started", rows, "conversations", colours.series[0]),
            line("Messages", rows, "messages", colours.series[1]),
          ],
        },
      };
    },

    ratings: function (rows, colours) {
      var share = line("Share rated down", rows, "share", colours.text, {
        yAxisID: "share",
        borderDash: [4, 3],
        spanGaps: true,
        tooltip: tooltipAs(percent),
      });
      return {
        data: {
          labels: labels(rows),
          datasets: [
            bar("Rated up", rows, "up", colours.up, { stack: "ratings" }),
            bar("Rated down", rows, "down", colours.down, { stack: "ratings" }),
            share,
          ],
        },
        options: {
          scales: {
            x: { stacked: true },
            y: { stacked: true, title: { display: true, text: "Rated answers" } },
            share: {
              position: "right",
              min: 0,
              max: 1,
              grid: { drawOnChartArea: false },
              ticks: { callback: percent, stepSize: 0.25 },
              title: { display: true, text: "Share rated down" },
            },
          },
        },
      };
    },

    sources: function (rows, colours) {
      rows = rows.slice(0, CHARTED_SOURCES);
      var unrated = rows.map(function (row) {
        var values = { rest: Math.max(row.values.answers - row.values.up - row.values.down, 0) };
        return { values: values, links: { rest: row.links.answers } };
      });
      return {
        height: rows.length * 28 + 90, // a bar for each source
        data: {
          labels: labels(rows),
          datasets: [
            bar("Rated up", rows, "up", colours.up, { stack: "answers" }),
            bar("Rated down", rows, "down", colours.down, { stack: "answers" }),
            bar("Not rated", unrated, "rest", colours.neutral, { stack: "answers" }),
          ],
        },
        options: {
          indexAxis: "y",
          interaction: { mode: "nearest", axis: "y", intersect: false },
          scales: {
            x: { stacked: true, title: { display: true, text: "Answers citing the source" } },
            y: {
              stacked: true,
              grid: { display: false },
              ticks: {
                autoSkip: false,
                callback: function (value) {
                  var label = this.getLabelForValue(value);
                  var short = label.length > LABEL_LENGTH;
                  return short ? label.slice(0, LABEL_LENGTH - 1) + "…" : label;
                },
              },
            },
          },
        },
      };
    },

    retrieval: function (rows, colours) {
      return {
        data: {
          labels: labels(rows),
          datasets: [
            bar("Rated up", rows, "up", colours.up),
            bar("Rated down", rows, "down", colours.down),
          ],
        },
        options: {
          scales: {
            x: { title: { display: true, text: "Best passage score" } },
            y: { title: { display: true, text: "Rated answers" } },
          },
        },
      };
    },

    latency: function (rows, colours) {
      var models = byGroup(rows);
      var datasets = [];
      models.groups.forEach(function (group, index) {
        var colour = colours.series[index % colours.series.length];
        var spans = { spanGaps: true, tooltip: tooltipAs(milliseconds) };
        var dashed = Object.assign({ borderDash: [4, 3] }, spans); // the median
        datasets.push(line(group.name + " p95", group.rows, "p95", colour, spans));
        datasets.push(line(group.name + " p50", group.rows, "p50", colour, dashed));
      });
      return {
        data: { labels: models.labels, datasets: datasets },
        options: {
          scales: {
            y: { ticks: { callback: milliseconds }, title: { display: true, text: "Latency" } },
          },
        },
      };
    },

    tokens: function (rows, colours) {
      var models = byGroup(rows);
      var datasets = models.groups.map(function (group, index) {
        var totals = group.rows.map(function (row) {
          var total = row && row.values.prompt + row.values.completion;
          return row && { values: { total: total }, links: { total: row.links.answers } };
        });
        var colour = colours.series[index % colours.series.length];
        return bar(group.name, totals, "total", colour, { stack: "tokens" });
      });
      return {
        data: { labels: models.labels, datasets: datasets },
        options: {
          scales: {
            x: { stacked: true },
            y: { stacked: true, title: { display: true, text: "Prompt and completion tokens" } },
          },
        },
      };
    },
  };

  function baseOptions(colours) {
    return {
      responsive: true,
      maintainAspectRatio: false,
      animation: reducedMotion.matches ? false : { duration: 400 },
      interaction: { mode: "index", intersect: false },
      plugins: {
        legend: { position: "bottom", labels: { usePointStyle: true, boxHeight: 8 } },
      },
      scales: {
        x: { grid: { display: false }, ticks: { maxRotation: 0, autoSkipPadding: 12 } },
        y: { beginAtZero: true, ticks: { precision: 0 }, grid: { color: colours.grid } },
      },
      onClick: openChats,
      onHover: function (event, elements, chart) {
        chart.canvas.style.cursor = linkAt(event, chart) ? "pointer" : "";
      },
    };
  }

  // The link of the bar or point under the pointer: the same as its cell's in the table.
  function linkAt(event, chart) {
    // Where the bars end up: a click during the opening animation hits what it aims at.
    var hit = chart.getElementsAtEventForMode(event, "nearest", { intersect: true }, true)[0];
    var links = hit && chart.data.datasets[hit.datasetIndex].links;
    return (links && links[hit.index]) || null;
  }

  function openChats(event, elements, chart) {
    var link = linkAt(event, chart);
    if (link) {
      window.location.assign(link);
    }
  }

  // A canvas before the table (or before the folded numbers that hold it).
  function place(table) {
    var figure = document.createElement("figure");
    figure.className = "chart";
    var canvas = document.createElement("canvas");
    var caption = table.caption ? table.caption.textContent.trim() : "";
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", caption + ": a chart of the table that follows it");
    figure.appendChild(canvas);
    var holder = table.closest("details.numbers") || table.closest(".overflow-auto") || table;
    holder.parentNode.insertBefore(figure, holder);
    return canvas;
  }

  var drawn = tables.map(function (table) {
    return { table: table, name: table.dataset.chart, canvas: place(table) };
  });

  function draw() {
    var colours = palette();
    Chart.defaults.color = colours.text;
    Chart.defaults.borderColor = colours.grid;
    Chart.defaults.font.family = window.getComputedStyle(document.body).fontFamily;
    drawn.forEach(function (chart) {
      var make = CHARTS[chart.name];
      if (!make) {
        return;
      }
      var config = make(readTable(chart.table), colours);
      if (config.height) {
        chart.canvas.parentNode.style.height = config.height + "px";
      }
      var existing = Chart.getChart(chart.canvas);
      if (existing) {
        existing.destroy();
      }
      new Chart(chart.canvas, {
        type: "bar",
        data: config.data,
        options: Chart.helpers.merge(baseOptions(colours), config.options || {}),
      });
    });
  }

  draw();
  // With the chart drawn, its numbers fold away (one click brings them back).
  document.querySelectorAll("details.numbers").forEach(function (details) {
    details.open = false;
  });
  darkScheme.addEventListener("change", draw);
})();
