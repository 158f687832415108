// kessai finance dashboard: reads /dashboard/api/* for one business date and draws the page. Every
// figure comes from the server as it is; this script only formats and draws (charts as inline SVG, no
// library). Text from the server is always set as text, never as HTML.
'use strict';

(function () {
  const MEANS = {
    card: ['クレジットカード', 'Card', '#1f5fa8'],
    emoney: ['電子マネー', 'E-money', '#2e8b57'],
    qr: ['QRコード', 'QR code', '#c76b00'],
    payeasy: ['ペイジー', 'Pay-easy', '#6a3fa0'],
  };
  const MEANS_STATE = {
    live: ['導入済', 'live'],
    planned: ['導入予定', 'planned'],
    none: ['未導入', 'none'],
  };
  const RECON_STATE = {
    reconciled: ['照合済', 'reconciled'],
    differences: ['差異あり', 'differences'],
    no_file: ['ファイル未着', 'no file'],
    none: ['取引なし', 'nothing to reconcile'],
  };
  const REASONS = {
    missing_in_settlement: ['精算データにない', 'missing in settlement'],
    unknown_in_ledger: ['台帳にない精算', 'unknown in ledger'],
    amount_mismatch: ['金額の不一致', 'amount mismatch'],
    fee_mismatch: ['手数料の不一致', 'fee mismatch'],
    duplicate_settlement: ['二重の精算', 'duplicate settlement'],
    settled_after_refund: ['返金後の精算', 'settled after refund'],
    deposit_mismatch: ['入金の不一致', 'deposit mismatch'],
    late_settlement: ['精算の遅れ', 'late settlement'],
  };
  const CATEGORY = { citizen: ['市民利用', 'citizen use'], office: ['庁内', 'in-office'] };
  const PLACES_SHOWN_MAX = 12;

  let session = null;
  let shownDate = '';
  let loadSequence = 0;

  // --- Small helpers -------------------------------------------------------------------------------

  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (name === 'class') node.className = value;
      else if (name.startsWith('data-')) node.setAttribute(name, value);
      else node[name] = value;
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function svgEl(tag, attributes, text) {
    const node = document.createElementNS('http://www.w3.org/2000/svg', tag);
    for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, String(value));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // Japanese label with the English in small type.
  function bilingual(pair) {
    return [pair[0], ' ', el('small', {}, pair[1])];
  }

  function yen(amount) {
    return (amount < 0 ? '-¥' : '¥') + Math.abs(amount).toLocaleString('ja-JP');
  }

  function count(n) {
    return n.toLocaleString('ja-JP');
  }

  function percent(basisPoints) {
    return (basisPoints / 100).toFixed(1) + '%';
  }

  function badge(kind, pair) {
    return el('span', { class: 'badge ' + kind }, pair[0] + ' ', el('small', {}, pair[1]));
  }

  function headerRow(columns) {
    return el('tr', {}, columns.map(([ja, en, numeric]) =>
      el('th', { class: numeric ? 'num' : '' }, ja, ' ', el('small', {}, en))));
  }

  function shiftDate(date, days) {
    const time = new Date(date + 'T00:00:00Z');
    time.setUTCDate(time.getUTCDate() + days);
    return time.toISOString().slice(0, 10);
  }

  async function api(path, options) {
    const response = await fetch(path, Object.assign({ credentials: 'same-origin' }, options || {}));
    if (response.status === 401) {
      window.location.assign('/dashboard');  // the session ended: back to the login page
      throw new Error('ログインし直してください (log in again)');
    }
    const body = await response.json().catch(() => null);
    if (!response.ok) {
      const error = new Error(body && body.detail ? body.detail : 'HTTP ' + response.status);
      error.status = response.status;
      throw error;
    }
    return body;
  }

  function setStatus(text, isError) {
    const status = document.getElementById('load-status');
    status.textContent = text;
    status.className = isError ? 'error' : '';
  }

  // --- Headline cards ------------------------------------------------------------------------------

  function renderCards(takings, recon, exceptions) {
    const totals = takings.totals;
    document.getElementById('figure-net').textContent = yen(totals.net_yen);
    document.getElementById('figure-net-sub').textContent =
      '総額 gross ' + yen(totals.gross_yen) + ' − 返金 refunds ' + yen(totals.refunded_yen);
    const payments = document.getElementById('figure-payments');
    payments.replaceChildren(count(totals.payments), el('span', { class: 'unit' }, '件'));
    document.getElementById('figure-payments-sub').textContent = '返金 refunds ' + count(totals.refunds) + ' 件';

    const open = document.getElementById('figure-open');
    open.replaceChildren(count(exceptions.open), el('span', { class: 'unit' }, '件'));
    document.getElementById('card-open').className = 'card ' + (exceptions.open > 0 ? 'alert' : 'ok');
    document.getElementById('figure-open-sub').textContent = '解決済 resolved ' + count(exceptions.resolved) + ' 件';

    const state = RECON_STATE[recon.status] || [recon.status, recon.status];
    document.getElementById('figure-recon').replaceChildren(...bilingual(state));
    const tone = { reconciled: 'ok', differences: 'alert', no_file: 'warn' }[recon.status] || '';
    document.getElementById('card-recon').className = 'card ' + tone;
    document.getElementById('figure-recon-sub').textContent = recon.rows.length + ' 事業者 processors';
  }

  // --- Charts (inline SVG) -------------------------------------------------------------------------

  // Horizontal bars, one per item: {label, sub, value, note, colour}; the yen figure beside each bar.
  function barChart(items) {
    const width = 640, rowHeight = 46, labelWidth = 190, valueWidth = 190;
    const barArea = width - labelWidth - valueWidth;
    const largest = Math.max(1, ...items.map((item) => item.value));
    const chart = svgEl('svg', {
      viewBox: `0 0 ${width} ${items.length * rowHeight + 8}`, role: 'img',
      'aria-label': items.map((item) => item.label + ' ' + yen(item.value)).join(', '),
    });
    items.forEach((item, index) => {
      const top = index * rowHeight + 4;
      chart.append(svgEl('text', { x: 0, y: top + 18, 'font-size': 16, fill: '#1a1a1a' }, item.label));
      chart.append(svgEl('text', { x: 0, y: top + 36, 'font-size': 12, fill: '#5b6470' }, item.sub));
      const length = item.value > 0 ? Math.max(2, (item.value / largest) * barArea) : 0;
      chart.append(svgEl('rect', { x: labelWidth, y: top + 6, width: length, height: 26, rx: 3, fill: item.colour }));
      const x = labelWidth + length + 8;
      chart.append(svgEl('text', { x, y: top + 22, 'font-size': 17, 'font-weight': 'bold', fill: '#000' }, yen(item.value)));
      chart.append(svgEl('text', { x, y: top + 38, 'font-size': 12, fill: '#5b6470' }, item.note));
    });
    return chart;
  }

  function renderCharts(takings) {
    const means = takings.by_means.map((m) => ({
      label: (MEANS[m.means] || [m.means])[0],
      sub: (MEANS[m.means] || [m.means, m.means])[1],
      value: m.net_yen,
      note: count(m.payments) + ' 件 payments',
      colour: (MEANS[m.means] || [0, 0, '#1f5fa8'])[2],
    }));
    document.getElementById('chart-means').replaceChildren(barChart(means));

    const places = takings.by_place.slice().sort((a, b) => b.net_yen - a.net_yen);
    const shown = places.slice(0, PLACES_SHOWN_MAX).map((p) => ({
      label: p.place_name.length > 13 ? p.place_name.slice(0, 12) + '…' : p.place_name,
      sub: p.place_id + (p.place_kind === 'procedure' ? ' (手続 procedure)' : ''),
      value: p.net_yen,
      note: count(p.payments) + ' 件 payments',
      colour: p.place_kind === 'procedure' ? '#6a3fa0' : '#1f5fa8',
    }));
    const container = document.getElementById('chart-places');
    if (shown.length === 0) {
      container.replaceChildren(el('p', { class: 'empty' }, 'この日の収納はありません (no takings on this date)'));
    } else {
      container.replaceChildren(barChart(shown));
      if (places.length > shown.length) {
        container.append(el('p', { class: 'empty' }, `ほか ${places.length - shown.length} か所 (and more)`));
      }
    }
  }

  // --- Reconciliation per processor -----------------------------------------------------------------

  function renderRecon(recon) {
    const container = document.getElementById('recon');
    if (recon.rows.length === 0) {
      container.replaceChildren(el('p', { class: 'empty' }, '照合する取引はありません (nothing to reconcile)'));
      return;
    }
    const table = el('table', {}, headerRow([
      ['決済事業者', 'Processor'], ['売上', 'Captured', true], ['返金', 'Refunded', true],
      ['精算', 'Settled', true], ['手数料', 'Fees', true], ['入金', 'Deposited', true],
      ['未精算', 'Unsettled', true], ['仮受金', 'Suspense', true], ['例外', 'Open', true], ['状況', 'Status'],
    ]));
    for (const row of recon.rows) {
      const state = RECON_STATE[row.status] || [row.status, row.status];
      table.append(el('tr', { 'data-processor': row.processor_id },
        el('td', {}, row.processor_id),
        el('td', { class: 'num' }, yen(row.captured_yen)),
        el('td', { class: 'num' }, yen(row.refunded_yen)),
        el('td', { class: 'num' }, yen(row.settled_yen)),
        el('td', { class: 'num' }, yen(row.fees_yen)),
        el('td', { class: 'num' }, yen(row.deposited_yen)),
        el('td', { class: 'num' }, yen(row.unsettled_yen)),
        el('td', { class: 'num' }, yen(row.suspense_yen)),
        el('td', { class: 'num' }, count(row.open_exceptions)),
        el('td', {}, badge(row.status, state))));
    }
    container.replaceChildren(table);
  }

  // --- The exception queue ---------------------------------------------------------------------------

  function resolveForm(exception, columns) {
    const note = el('textarea', {
      id: 'note-' + exception.id, class: 'note-input', required: true, maxLength: 2000,
      placeholder: '確認した内容・対応を記入 (what was checked or done)',
    });
    const message = el('span', { class: 'error', role: 'alert' });
    const submit = el('button', { type: 'submit', class: 'primary resolve-submit' }, '解決として記録 ', el('small', {}, 'Record'));
    const cancel = el('button', { type: 'button' }, 'やめる ', el('small', {}, 'Cancel'));
    const form = el('form', { class: 'resolve-form', 'data-exception': exception.id },
      el('label', { htmlFor: note.id }, '解決メモ ', el('small', {}, 'Resolution note')), note,
      el('div', { class: 'actions' }, submit, cancel, message));
    const row = el('tr', { class: 'exception-form', 'data-form-for': exception.id }, el('td', { colSpan: columns }, form));
    cancel.addEventListener('click', () => row.remove());
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      if (note.value.trim() === '') {
        message.textContent = 'メモを記入してください (a note is required)';
        return;
      }
      submit.disabled = true;
      message.textContent = '';
      try {
        await api(`/dashboard/api/exceptions/${exception.id}/resolve`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': session.csrf_token || '' },
          body: JSON.stringify({ note: note.value }),
        });
        await load(shownDate);
      } catch (error) {
        message.textContent = error.message;
        submit.disabled = false;
      }
    });
    return row;
  }

  function renderExceptions(exceptions) {
    const container = document.getElementById('exceptions');
    if (exceptions.rows.length === 0) {
      container.replaceChildren(el('p', { class: 'empty' }, 'この日の例外はありません (no exceptions on this date)'));
      return;
    }
    const columns = [
      ['番号', 'No.'], ['事業者', 'Processor'], ['理由', 'Reason'], ['参照', 'Reference'],
      ['期待額', 'Expected', true], ['実額', 'Actual', true], ['内容', 'Detail'], ['状況', 'Status'],
    ];
    const table = el('table', { id: 'exception-table' }, headerRow(columns));
    for (const e of exceptions.rows) {
      const reason = REASONS[e.reason] || [e.reason, e.reason];
      const action = e.status === 'open'
        ? el('button', { type: 'button', class: 'resolve-button', 'data-resolve': e.id }, '解決する ', el('small', {}, 'Resolve'))
        : el('div', { class: 'resolution' }, `${e.resolved_by}: ${e.resolution_note}`);
      const state = e.status === 'open' ? ['未解決', 'open'] : ['解決済', 'resolved'];
      const row = el('tr', { 'data-exception': e.id, 'data-status': e.status },
        el('td', {}, String(e.id)),
        el('td', {}, e.processor_id),
        el('td', {}, bilingual(reason)),
        el('td', {}, e.reference || e.payment_intent_id || e.file_name || '—'),
        el('td', { class: 'num' }, e.expected_yen ? yen(e.expected_yen) : '—'),
        el('td', { class: 'num' }, e.actual_yen ? yen(e.actual_yen) : '—'),
        el('td', {}, e.detail),
        el('td', {}, badge(e.status, state), el('br'), action));
      table.append(row);
      if (e.status === 'open') {
        action.addEventListener('click', () => {
          for (const other of table.querySelectorAll('tr.exception-form')) other.remove();
          const form = resolveForm(e, columns.length);
          row.after(form);
          form.querySelector('textarea').focus();
        });
      }
    }
    container.replaceChildren(table);
  }

  // --- Cashless status -------------------------------------------------------------------------------

  function meansCell(status) {
    const state = MEANS_STATE[status.state] || [status.state, status.state];
    const cell = el('td', { class: 'means-cell', 'data-means': status.means, 'data-state': status.state },
      badge(status.state, state));
    if (status.state === 'planned' && status.live_since) cell.append(el('span', { class: 'share' }, status.live_since + ' から'));
    if (status.payments > 0) {
      cell.append(el('span', { class: 'share' }, `${percent(status.share_basis_points)} · ${count(status.payments)} 件`));
    }
    return cell;
  }

  function renderCashless(cashless) {
    const container = document.getElementById('cashless');
    const parts = [];
    parts.push(el('p', { class: 'summary-line' },
      `3手段すべて導入済の施設: ${cashless.facilities_all_three_live} / ${cashless.facilities.length} `,
      el('small', {}, 'facilities with card, e-money and QR all live')));
    const facilities = el('table', { id: 'facility-table' }, headerRow([
      ['施設', 'Facility'], ['区分', 'Category'], ['カード', 'Card'], ['電子マネー', 'E-money'], ['QRコード', 'QR'],
      ['件数', 'Payments', true], ['収納額', 'Net takings', true],
    ]));
    for (const f of cashless.facilities) {
      facilities.append(el('tr', { 'data-facility': f.facility_id },
        el('td', {}, f.name, el('br'), el('small', {}, f.facility_id)),
        el('td', {}, bilingual(CATEGORY[f.category] || [f.category, f.category])),
        f.means.map(meansCell),
        el('td', { class: 'num' }, count(f.payments)),
        el('td', { class: 'num' }, yen(f.net_yen))));
    }
    parts.push(facilities);
    parts.push(el('p', { class: 'summary-line' },
      `ペイジー導入済の手続: ${cashless.procedures_payeasy_live} / ${cashless.procedures.length} `,
      el('small', {}, 'online procedures with Pay-easy live')));
    const procedures = el('table', { id: 'procedure-table' }, headerRow([
      ['手続', 'Procedure'], ['カード', 'Card'], ['ペイジー', 'Pay-easy'], ['件数', 'Payments', true], ['収納額', 'Net takings', true],
    ]));
    for (const p of cashless.procedures) {
      procedures.append(el('tr', { 'data-procedure': p.procedure_id },
        el('td', {}, p.name, el('br'), el('small', {}, p.procedure_id)),
        p.means.map(meansCell),
        el('td', { class: 'num' }, count(p.payments)),
        el('td', { class: 'num' }, yen(p.net_yen))));
    }
    parts.push(procedures);
    container.replaceChildren(...parts);
  }

  // --- Loading a date --------------------------------------------------------------------------------

  async function load(date) {
    const sequence = ++loadSequence;
    shownDate = date;
    document.getElementById('date').value = date;
    document.body.dataset.state = 'loading';
    setStatus('読み込み中… (loading)', false);
    const query = '?date=' + encodeURIComponent(date);
    try {
      const [takings, recon, exceptions, cashless] = await Promise.all([
        api('/dashboard/api/takings' + query),
        api('/dashboard/api/recon-summary' + query),
        api('/dashboard/api/exceptions' + query),
        api('/dashboard/api/cashless-status' + query),
      ]);
      if (sequence !== loadSequence) return;  // another date was asked for meanwhile
      renderCards(takings, recon, exceptions);
      renderCharts(takings);
      renderRecon(recon);
      renderExceptions(exceptions);
      renderCashless(cashless);
      setStatus('', false);
      document.body.dataset.date = date;
      document.body.dataset.state = 'ready';
    } catch (error) {
      if (sequence !== loadSequence) return;
      setStatus('読み込めませんでした (could not load): ' + error.message, true);
      document.body.dataset.state = 'error';
    }
  }

  async function start() {
    try {
      session = await api('/dashboard/api/session');
    } catch (error) {
      setStatus('読み込めませんでした (could not load): ' + error.message, true);
      document.body.dataset.state = 'error';
      return;
    }
    document.getElementById('viewer-name').textContent = session.name;
    document.getElementById('logout-csrf').value = session.csrf_token || '';
    const picker = document.getElementById('date');
    picker.addEventListener('change', () => { if (picker.value) load(picker.value); });
    document.getElementById('prev-day').addEventListener('click', () => load(shiftDate(shownDate, -1)));
    document.getElementById('next-day').addEventListener('click', () => load(shiftDate(shownDate, 1)));
    document.getElementById('today').addEventListener('click', () => load(session.today));
    await load(session.today);
  }

  document.addEventListener('DOMContentLoaded', start);
})();
