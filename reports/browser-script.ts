/**
 * The script every report runs in the browser: it reads the page's embedded
 * JSON (`<script type="application/json" id="report-data">`) and draws the
 * charts with Chart.js (inlined before it), and makes `table.sortable`
 * tables sortable by clicking a header. Plain ES5-style JavaScript kept as a
 * string: it is inlined verbatim (and hashed for the page's CSP).
 *
 * Data it understands (all optional; see page-data.ts):
 *   drift.columns[i].distribution → bar chart in canvas#drift-column-<i>
 *   metricCharts[j]               → line chart in canvas#metric-<j>
 *   comparison                    → grouped bars in canvas#comparison
 * When done it sets <html data-charts="N"> (N charts drawn), or
 * data-chart-error when one failed (the error also goes to the console).
 */
export const REPORT_BROWSER_SCRIPT = String.raw`(function () {
  'use strict';
  var REFERENCE = '#4e79a7';
  var CURRENT = '#f28e2b';
  var PALETTE = ['#4e79a7', '#e15759', '#59a14f', '#b07aa1', '#76b7b2', '#edc948', '#ff9da7', '#9c755f', '#bab0ac', '#f28e2b'];
  var dataElement = document.getElementById('report-data');
  var data = dataElement ? JSON.parse(dataElement.textContent) : {};
  var drawn = 0;

  function fmt(x) {
    if (x === null || x === undefined) return '\u2014';
    if (x === 0) return '0';
    var a = Math.abs(x);
    if (a < 1e-3 || a >= 1e6) return x.toExponential(2);
    return String(Number(x.toPrecision(4)));
  }
  function pct(x) { return (x * 100).toFixed(1) + '%'; }
  function minute(ms) { return new Date(ms).toISOString().slice(0, 16).replace('T', ' '); }

  // Time ticks on whole hours/days/weeks (multiples of the step since the epoch are UTC midnights for days), at most ~8.
  var HOUR = 3600e3, DAY = 24 * HOUR;
  var STEPS = [HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 2 * DAY, 7 * DAY, 14 * DAY, 28 * DAY, 91 * DAY, 364 * DAY];
  function timeStep(span) {
    for (var i = 0; i < STEPS.length; i++) if (span / STEPS[i] <= 8) return STEPS[i];
    return STEPS[STEPS.length - 1];
  }

  function options(extra) {
    var o = { animation: false, responsive: true, maintainAspectRatio: false, plugins: { legend: { position: 'top' } } };
    for (var k in extra) o[k] = extra[k];
    return o;
  }

  function bars(color, label, values, histogram) {
    return {
      label: label, data: values, backgroundColor: color + 'b3', borderColor: color, borderWidth: 1,
      categoryPercentage: histogram ? 1 : 0.8, barPercentage: histogram ? 1 : 0.9
    };
  }

  // Reference vs current shares on the report's own binning: histogram bins or categories (+ "(other)").
  function distributionChart(canvas, column) {
    var d = column.distribution;
    var histogram = d.kind === 'histogram';
    var labels, ref, cur;
    if (histogram) {
      labels = d.reference.map(function (_, b) { return fmt(d.edges[b]) + ' \u2013 ' + fmt(d.edges[b + 1]); });
      ref = d.reference.slice();
      cur = d.current.slice();
    } else {
      labels = d.categories.slice();
      ref = d.reference.slice();
      cur = d.current.slice();
      if (d.other.reference > 0 || d.other.current > 0) {
        labels.push('(other)');
        ref.push(d.other.reference);
        cur.push(d.other.current);
      }
    }
    new Chart(canvas, {
      type: 'bar',
      data: { labels: labels, datasets: [bars(REFERENCE, 'reference', ref, histogram), bars(CURRENT, 'current', cur, histogram)] },
      options: options({
        scales: {
          x: { title: { display: true, text: histogram ? 'value' : 'category' } },
          y: { beginAtZero: true, title: { display: true, text: 'share of rows' }, ticks: { callback: function (v) { return pct(v); } } }
        },
        plugins: { tooltip: { callbacks: { label: function (c) { return c.dataset.label + ': ' + pct(c.parsed.y); } } } }
      })
    });
  }

  // Dashed vertical lines at the champion's promotions (the "promotions" scatter series), labelled with the new version.
  var promotionLines = {
    id: 'promotionLines',
    afterDatasetsDraw: function (chart) {
      var ctx = chart.ctx, area = chart.chartArea, x = chart.scales.x;
      chart.data.datasets.forEach(function (ds) {
        if (!ds.promotionMarkers) return;
        ctx.save();
        ctx.strokeStyle = '#444';
        ctx.fillStyle = '#222';
        ctx.setLineDash([4, 4]);
        ctx.lineWidth = 1;
        ctx.font = '11px system-ui, sans-serif';
        ds.data.forEach(function (p) {
          var px = x.getPixelForValue(p.x);
          if (px < area.left - 0.5 || px > area.right + 0.5) return;
          ctx.beginPath();
          ctx.moveTo(px, area.top);
          ctx.lineTo(px, area.bottom);
          ctx.stroke();
          ctx.fillText('\u2192 v' + p.version, Math.min(px + 4, area.right - 30), area.top + 12);
        });
        ctx.restore();
      });
    }
  };

  // One line per version (realised; estimated ones dashed), promotions as markers on the same time axis.
  function metricChart(canvas, chartData) {
    var datasets = [];
    var top = -Infinity, first = Infinity, last = -Infinity;
    function seeTime(ms) { if (ms < first) first = ms; if (ms > last) last = ms; }
    chartData.promotions.forEach(function (p) { seeTime(Date.parse(p.at)); });
    chartData.lines.forEach(function (line) {
      var color = PALETTE[line.colorIndex % PALETTE.length];
      var points = line.points.map(function (p) {
        if (p.value > top) top = p.value;
        seeTime(Date.parse(p.windowEnd));
        return { x: Date.parse(p.windowEnd), y: p.value, rows: p.rows, start: p.windowStart, end: p.windowEnd };
      });
      datasets.push({
        label: line.label, data: points, borderColor: color, backgroundColor: color,
        borderDash: line.estimated ? [6, 4] : [], pointStyle: line.estimated ? 'rectRot' : 'circle',
        pointRadius: 3, tension: 0, fill: false, showLine: true
      });
    });
    if (!isFinite(top)) top = 1;
    var step = timeStep(isFinite(first) ? last - first : 0);
    var tickLabel = step >= DAY ? function (v) { return new Date(v).toISOString().slice(0, 10); } : minute;
    if (chartData.promotions.length > 0) {
      datasets.push({
        type: 'scatter', label: 'promotions', promotionMarkers: true,
        data: chartData.promotions.map(function (p) { return { x: Date.parse(p.at), y: top, version: p.version, from: p.from }; }),
        pointStyle: 'triangle', rotation: 180, pointRadius: 7, borderColor: '#222', backgroundColor: '#222'
      });
    }
    new Chart(canvas, {
      type: 'line',
      data: { datasets: datasets },
      plugins: [promotionLines],
      options: options({
        parsing: true,
        scales: {
          x: { type: 'linear', title: { display: true, text: 'window end (UTC)' }, ticks: { stepSize: step, callback: function (v) { return tickLabel(v); } } },
          y: { title: { display: true, text: chartData.metric } }
        },
        plugins: {
          tooltip: {
            callbacks: {
              title: function (items) { return items.length ? minute(items[0].parsed.x) : ''; },
              label: function (c) {
                var p = c.raw;
                if (c.dataset.promotionMarkers) return 'champion \u2192 v' + p.version + (p.from ? ' (from v' + p.from + ')' : '');
                return c.dataset.label + ': ' + fmt(p.y) + ' (' + p.rows + ' rows, ' + p.start + ' \u2192 ' + p.end + ')';
              }
            }
          }
        }
      })
    });
  }

  function comparisonChart(canvas, comparison) {
    new Chart(canvas, {
      type: 'bar',
      data: {
        labels: comparison.rows.map(function (r) { return r.metric; }),
        datasets: [
          bars(CURRENT, comparison.candidateLabel, comparison.rows.map(function (r) { return r.candidate; }), false),
          bars(REFERENCE, comparison.championLabel, comparison.rows.map(function (r) { return r.champion; }), false)
        ]
      },
      options: options({
        indexAxis: 'y',
        plugins: { tooltip: { callbacks: { label: function (c) { return c.dataset.label + ': ' + fmt(c.parsed.x); } } } }
      })
    });
  }

  function draw(id, fn) {
    var canvas = document.getElementById(id);
    if (!canvas) return;
    try {
      fn(canvas);
      drawn++;
    } catch (err) {
      document.documentElement.setAttribute('data-chart-error', id);
      console.error('chart ' + id + ' failed:', err);
    }
  }

  if (data.drift) {
    data.drift.columns.forEach(function (column, i) {
      if (column.distribution) draw('drift-column-' + i, function (c) { distributionChart(c, column); });
    });
  }
  (data.metricCharts || []).forEach(function (chartData, j) {
    draw('metric-' + j, function (c) { metricChart(c, chartData); });
  });
  if (data.comparison && data.comparison.rows.length > 0) {
    draw('comparison', function (c) { comparisonChart(c, data.comparison); });
  }

  // Sortable tables: click a header; cells sort by data-sort (numbers first) or their text.
  function sortKey(cell) {
    var v = cell.getAttribute('data-sort');
    if (v !== null && v !== '' && !isNaN(Number(v))) return [0, Number(v)];
    return [1, (v === null ? cell.textContent : v).toLowerCase()];
  }
  Array.prototype.forEach.call(document.querySelectorAll('table.sortable'), function (table) {
    var headers = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(headers, function (th, col) {
      th.tabIndex = 0;
      function sort() {
        var ascending = th.getAttribute('aria-sort') !== 'ascending';
        Array.prototype.forEach.call(headers, function (h) { h.removeAttribute('aria-sort'); });
        th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = sortKey(a.cells[col]), y = sortKey(b.cells[col]);
          var order = x[0] - y[0] || (x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0);
          return ascending ? order : -order;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      }
      th.addEventListener('click', sort);
      th.addEventListener('keydown', function (e) { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); sort(); } });
    });
  });

  document.documentElement.setAttribute('data-charts', String(drawn));
})();
`;
