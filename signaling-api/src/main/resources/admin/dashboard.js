// Junction live dashboard: one server-sent event a second from /v1/dashboard/events.
(function () {
  'use strict';
  const WINDOW_S = 300;
  const key = new URLSearchParams(location.search).get('key');
  const $ = (id) => document.getElementById(id);
  const data = [[], [], []]; // time (s), in (Mbit/s), out (Mbit/s)
  let selected = null;
  window.dashboardState = { events: 0, points: 0, maxIn: 0 };

  function fmt(bps) {
    if (bps >= 1e6) return (bps / 1e6).toFixed(2) + ' Mbit/s';
    if (bps >= 1e3) return (bps / 1e3).toFixed(0) + ' kbit/s';
    return bps.toFixed(0) + ' bit/s';
  }

  const chart = new uPlot({
    width: Math.min(1340, document.body.clientWidth - 90),
    height: 280,
    series: [
      {},
      { label: 'In', stroke: '#5b8cff', width: 2, fill: 'rgba(91,140,255,0.12)', value: (u, v) => v == null ? '–' : v.toFixed(2) + ' Mbit/s' },
      { label: 'Out', stroke: '#3ecf8e', width: 2, fill: 'rgba(62,207,142,0.10)', value: (u, v) => v == null ? '–' : v.toFixed(2) + ' Mbit/s' },
    ],
    axes: [
      { stroke: '#9aa3b2', grid: { stroke: '#262b36' } },
      { stroke: '#9aa3b2', grid: { stroke: '#262b36' }, size: 80,
        values: (u, vals) => vals.map((v) => (v >= 10 ? v.toFixed(0) : v.toFixed(2)) + ' Mb/s') },
    ],
    scales: { x: { time: true }, y: { range: (u, min, max) => [0, Math.max(1, max * 1.15)] } },
  }, data, $('chart'));
  window.addEventListener('resize', () => chart.setSize({ width: Math.min(1340, document.body.clientWidth - 90), height: 280 }));

  function push(t, inBps, outBps) {
    data[0].push(t); data[1].push(inBps / 1e6); data[2].push(outBps / 1e6);
    while (data[0].length && data[0][0] < t - WINDOW_S) { data[0].shift(); data[1].shift(); data[2].shift(); }
    window.dashboardState.points = data[0].length;
    window.dashboardState.maxIn = Math.max(...data[1], 0);
  }

  function row(cells) {
    const tr = document.createElement('tr');
    for (const c of cells) {
      const td = document.createElement('td');
      if (c && c.mono) { td.className = 'mono'; td.textContent = c.text; } else td.textContent = c;
      tr.append(td);
    }
    return tr;
  }

  function render(ev) {
    $('in').textContent = fmt(ev.bitrateInBps);
    $('out').textContent = fmt(ev.bitrateOutBps);
    $('confs').textContent = ev.conferenceCount;
    $('eps').textContent = ev.endpointCount;
    $('viewers').textContent = ev.viewerCount == null ? '–' : ev.viewerCount;
    const tbody = $('conferences').querySelector('tbody');
    tbody.replaceChildren();
    for (const c of ev.conferences) {
      const tr = row([c.name ? c.name + ' ' : '', c.endpoints.length, fmt(c.bitrateInBps), fmt(c.bitrateOutBps),
        (c.lossIn * 100).toFixed(1) + ' %', c.jitterMs.toFixed(1) + ' ms', c.rttMs == null ? 'n/a' : c.rttMs.toFixed(1) + ' ms']);
      const id = document.createElement('span');
      id.className = 'mono';
      id.textContent = c.id;
      tr.firstChild.append(id);
      tr.dataset.conferenceId = c.id;
      if (c.id === selected) tr.classList.add('selected');
      tr.addEventListener('click', () => { selected = c.id; render(ev); });
      tbody.append(tr);
    }
    $('no-conferences').hidden = ev.conferences.length > 0;
    const sel = ev.conferences.find((c) => c.id === selected);
    $('detail').hidden = !sel;
    if (sel) {
      $('detail-name').textContent = sel.name || sel.id;
      const eb = $('endpoints').querySelector('tbody');
      eb.replaceChildren();
      for (const e of sel.endpoints) {
        eb.append(row([{ mono: true, text: e.id }, e.displayName || '–', e.connected ? 'connected' : 'connecting',
          fmt(e.bitrateInBps), fmt(e.bitrateOutBps), e.downlinkEstimateBps == null ? 'n/a' : fmt(e.downlinkEstimateBps),
          e.layers || '–']));
      }
    }
  }

  function connect() {
    const es = new EventSource('/v1/dashboard/events' + (key ? '?key=' + encodeURIComponent(key) : ''));
    es.onopen = () => { $('live').textContent = 'live'; $('live').classList.add('ok'); };
    es.onerror = () => { $('live').textContent = 'reconnecting…'; $('live').classList.remove('ok'); };
    es.onmessage = (m) => {
      const ev = JSON.parse(m.data);
      if (ev.history) for (const p of ev.history) if (!data[0].length || p[0] > data[0][data[0].length - 1]) push(p[0], p[1], p[2]);
      if (!data[0].length || ev.t > data[0][data[0].length - 1]) push(ev.t, ev.bitrateInBps, ev.bitrateOutBps);
      chart.setData(data);
      render(ev);
      window.dashboardState.events++;
    };
  }
  connect();
})();
