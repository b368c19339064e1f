// zabsim's step-through viewer (docs/viewer.md): plain JavaScript, no libraries.
//
// The page embeds the run's header and records (docs/trace-format.md) as JSON. On load
// the script reads them once, in one pass that
//   - pairs each message's send with its recv or drop (for the arrows),
//   - lists the records to jump to (phase changes, faults, violations),
//   - cuts each peer's lane into segments of one role/phase (for the lane colours),
//   - folds the records into every peer's state and keeps a copy (a checkpoint) every
//     CHECKPOINT_EVERY records.
// A "step" is the number of records folded: step 0 is before the first record, step s
// shows the state after record s-1, which is the "current" record. Going to any step
// starts from the checkpoint at or before it, so it folds at most CHECKPOINT_EVERY records.
// The timeline is one canvas that draws only the records of its visible window, so the
// page stays fast for runs of hundreds of thousands of records.
'use strict';

// An error in this script is shown on the page (and read by the tests) rather than
// only in the browser's console.
window.addEventListener('error', e => {
  document.body.dataset.error = String(e.message);
  const banner = document.getElementById('banner');
  banner.textContent = 'The viewer failed: ' + e.message;
  banner.classList.add('shown');
});

(function () {
  const CHECKPOINT_EVERY = 1000;
  const LANE_HEIGHT = 26;
  const TOP_ROWS = 2;  // The faults row and the checks row, above the peers' lanes.
  const LABEL_WIDTH = 120;

  // ---------------------------------------------------------------------------------
  // The data.

  const headerText = document.getElementById('zabsim-header').textContent;
  const header = JSON.parse(headerText);
  const recordsText = document.getElementById('zabsim-records').textContent;
  const records = JSON.parse(recordsText);
  // zabsim writes one record per line ("[", then record 0 on line 1, ...). A number above
  // 2^53 (a client's timer tag is 2^62) loses digits in JSON.parse, so the event list
  // takes such numbers from the line's text instead.
  const recordLines = recordsText.split('\n');
  const N = records.length;
  const SERVERS = header.servers | 0;
  const VOTERS = header.voters | 0;
  const PEERS = SERVERS + (header.clients | 0);  // Processes 1..PEERS, each with a lane.
  // The seed may exceed 2^53, which a JSON number loses: read its digits from the text.
  const seedMatch = /"seed":(\d+)/.exec(headerText);
  const SEED = seedMatch ? seedMatch[1] : String(header.seed);

  function isServer(p) { return p >= 1 && p <= SERVERS; }
  function peerName(p) {
    if (p === 0) return 'world';
    if (isServer(p)) return (p <= VOTERS ? 'server ' : 'observer ') + p;
    return 'client ' + p;
  }

  // Zxids are hex strings without leading zeros ("0x100000002"): compare by length,
  // then as text, which keeps all 64 bits exact.
  function zxidLess(a, b) {
    if (a.length !== b.length) return a.length < b.length;
    return a < b;
  }
  // The higher of two zxids; '' and "0x0" are none.
  function higher(a, b) {
    if (!b || b === '0x0') return a;
    if (!a || zxidLess(a, b)) return b;
    return a;
  }
  // Epoch and counter of a zxid, as ZooKeeper splits it: "0x100000002" is e1 #2.
  function zxidParts(z) {
    if (!z) return '';
    const hex = z.slice(2);
    const epoch = hex.length > 8 ? parseInt(hex.slice(0, hex.length - 8), 16) : 0;
    const counter = parseInt(hex.slice(-8), 16);
    return 'e' + epoch + ' #' + counter;
  }
  function formatTime(us) {
    const s = Math.floor(us / 1e6);
    return s + '.' + String(us - s * 1e6).padStart(6, '0');
  }
  // Record i as the text form of the trace ("12.000250 p3 send to=1 type=ACK ...").
  function recordText(i) {
    const r = records[i];
    let out = formatTime(r.t) + ' ' + (r.p === 0 ? 'world' : 'p' + r.p) + ' ' + r.k;
    for (const key in r) {
      if (key === 't' || key === 'p' || key === 'k') continue;
      const v = r[key];
      let text = typeof v === 'string' && (v === '' || v.indexOf(' ') >= 0) ? JSON.stringify(v) : String(v);
      if (typeof v === 'number' && !Number.isSafeInteger(v)) {
        const exact = new RegExp('"' + key + '":(-?\\d+)').exec(recordLines[i + 1] || '');
        if (exact) text = exact[1];
      }
      out += ' ' + key + '=' + text;
    }
    return out;
  }

  // Message types by family, for colours and the legend's filters.
  const FAMILY_OF = {
    NOTIFICATION: 'election',
    FOLLOWERINFO: 'sync', OBSERVERINFO: 'sync', LEADERINFO: 'sync', ACKEPOCH: 'sync', DIFF: 'sync',
    TRUNC: 'sync', SNAP: 'sync', NEWLEADER: 'sync', UPTODATE: 'sync',
    PROPOSAL: 'broadcast', ACK: 'broadcast', COMMIT: 'broadcast', INFORM: 'broadcast',
    PING: 'ping',
    REQUEST: 'client', SYNC: 'client', 'CLIENT-REQUEST': 'client', 'CLIENT-REPLY': 'client',
  };
  const FAMILIES = [
    { name: 'election', color: '#9e9e9e', shown: true },
    { name: 'sync', color: '#8e24aa', shown: true },
    { name: 'broadcast', color: '#1e88e5', shown: true },
    { name: 'client', color: '#ef6c00', shown: true },
    { name: 'ping', color: '#c5cae9', shown: false },
  ];
  const familyByName = {};
  for (const f of FAMILIES) familyByName[f.name] = f;

  const ROLE_COLOR = { LOOKING: '#fff3c4', FOLLOWING: '#d6e8fb', LEADING: '#ffd9c2', OBSERVING: '#ecdcf5' };
  const PHASE_COLOR = {
    ELECTION: '#f2b705', DISCOVERY: '#26a69a', SYNCHRONIZATION: '#7e57c2', BROADCAST: '#43a047',
  };

  // ---------------------------------------------------------------------------------
  // The state of every peer, and how one record changes it.

  function newPeer(p) {
    if (isServer(p)) {
      return {
        up: true, incarnation: 0, role: '', phase: '', leader: 0, acceptedEpoch: '', currentEpoch: '',
        established: '', lastLogged: '', committed: '', applied: '', digest: '',
        history: '',  // The history its NEWLEADER (leader) or UPTODATE (learner) commits.
        files: {},    // Disk files: name -> {records, durable}.
        syncs: {},    // Pending fsync token -> {file, records}.
        last: -1,     // Index of this peer's last record.
      };
    }
    return { up: true, incarnation: 0, server: 0, pending: '', completed: '', last: -1 };
  }

  function newState() {
    const peers = [null];
    for (let p = 1; p <= PEERS; p++) peers.push(newPeer(p));
    return { peers: peers };
  }

  // A deep copy, for checkpoints (the state is plain data).
  function cloneState(state) {
    return JSON.parse(JSON.stringify(state));
  }

  // fold applies record i to `state`. Only what the state panel shows is kept.
  function fold(state, i) {
    const r = records[i];
    const s = state.peers[r.p];
    if (!s) return;
    s.last = i;
    switch (r.k) {
      case 'start':
        s.up = true;
        s.incarnation = r.incarnation;
        forget(s, r.p);
        return;
      case 'crash':
        s.up = false;
        forget(s, r.p);
        if (isServer(r.p)) {
          // Only what was synced survives.
          for (const name in s.files) s.files[name].records = s.files[name].durable;
          s.syncs = {};
        }
        return;
      case 'state':
        s.role = r.state; s.phase = r.phase; s.leader = r.leader;
        s.acceptedEpoch = r.accepted_epoch; s.currentEpoch = r.current_epoch;
        return;
      case 'epoch-proposed':
        // The history this leader syncs from; a quorum's NEWLEADER ACK commits it.
        s.history = higher(r.last, r.log_last);
        return;
      case 'established':
        s.established = r.epoch;
        s.committed = higher(s.committed, s.history);
        return;
      case 'newleader-processed':
        // The learner's log at NEWLEADER: committed once the leader says UPTODATE.
        s.history = r.log_last;
        return;
      case 'logged': s.lastLogged = r.last; return;
      case 'truncate-log': s.lastLogged = r.to; return;
      case 'commit': s.committed = r.zxid; return;
      case 'recv':
        const commits = r.type === 'COMMIT' || r.type === 'INFORM';
        if (commits && (!s.committed || zxidLess(s.committed, r.zxid))) {
          s.committed = r.zxid;
        } else if (r.type === 'UPTODATE') {
          s.committed = higher(s.committed, s.history);
        } else if (r.type === 'CLIENT-REPLY') {
          s.server = r.from;
        }
        return;
      case 'apply': s.applied = r.zxid; s.digest = r.digest; return;
      case 'tree-loaded': s.applied = r.zxid; s.digest = r.digest; return;
      case 'append': file(s, r.file).records++; return;
      case 'truncate': case 'replace': {
        const f = file(s, r.file);
        f.records = r.records;
        if (r.k === 'truncate') f.durable = Math.min(f.durable, r.records);
        return;
      }
      case 'remove': delete s.files[r.file]; return;
      case 'sync':
        if (s.files[r.file]) s.syncs[r.token] = { file: r.file, records: s.files[r.file].records };
        return;
      case 'synced': {
        const pending = s.syncs[r.token];
        delete s.syncs[r.token];
        if (pending && s.files[pending.file]) s.files[pending.file].durable = pending.records;
        return;
      }
      case 'connected': if (!isServer(r.p) && isServer(r.peer)) s.server = r.peer; return;
      case 'disconnected': if (!isServer(r.p) && r.peer === s.server) s.server = 0; return;
      case 'invoke': s.pending = r.op + ' ' + r.path + ' (cxid ' + r.cxid + ')'; return;
      case 'complete':
        s.pending = '';
        s.completed = r.op + ' ' + r.path + ' ' + r.code + (r.indeterminate ? ' (indeterminate)' : '') +
            (r.zxid !== '0x0' ? ' ' + r.zxid : '');
        return;
    }
  }
  // forget clears what a process holds in memory, at a crash and a start: a server's
  // role, what it knew was committed and its tree are gone until its records say
  // otherwise. Its epochs and txn log are on disk and stay.
  function forget(s, p) {
    if (isServer(p)) {
      s.role = ''; s.phase = ''; s.leader = 0; s.committed = ''; s.applied = ''; s.digest = '';
      s.history = '';
      s.established = '';
    } else {
      s.server = 0; s.pending = '';
    }
  }
  function file(s, name) {
    if (!s.files[name]) s.files[name] = { records: 0, durable: 0 };
    return s.files[name];
  }

  // The txn log as the panel shows it: its segments (files log.ZXID, named after their
  // first zxid) and how many txn records they hold, and the last zxid logged.
  function logSummary(s) {
    let count = 0, segments = 0, first = '', snapshot = '';
    for (const name in s.files) {
      if (name.startsWith('log.')) {
        segments++;
        count += s.files[name].records;
        const z = '0x' + name.slice(4).replace(/^0+(?=.)/, '');
        if (!first || zxidLess(z, first)) first = z;
      } else if (name.startsWith('snapshot.')) {
        const z = '0x' + name.slice(9).replace(/^0+(?=.)/, '');
        if (!snapshot || zxidLess(snapshot, z)) snapshot = z;
      }
    }
    return { count: count, segments: segments, first: first, snapshot: snapshot };
  }

  // ---------------------------------------------------------------------------------
  // One pass over the run: pairs, jump lists, lane segments and checkpoints.

  const partner = new Int32Array(N).fill(-1);  // send <-> recv/drop.
  const dropped = new Uint8Array(N);           // 1 for a send whose message was dropped.
  const phaseChanges = [];                     // Indices of `state` records that change a role or phase.
  const faults = [];                           // Indices of `fault` and `stopped` records.
  const violations = [];                       // {at, target, check, detail}, by target.
  const verdicts = [];                         // Indices of the last set of verdict records.
  const lanes = [null];                        // Per peer: [{from, role, phase, up, epoch}].
  const checkpoints = [];                      // checkpoints[c] is the state at step c*CHECKPOINT_EVERY.

  (function index() {
    const inFlight = new Map();  // "conn from>to" -> FIFO of send indices.
    // The run's own records, without the verdict, violation and end records that zabsim
    // writes straight to the file: a violation's "trace record N" counts these only, and
    // `zabsim run` writes verdicts in the middle of the file at each `check`.
    const runRecords = [];
    const state = newState();
    for (let p = 1; p <= PEERS; p++) lanes.push([{ from: 0, role: '', phase: '', up: true, epoch: '' }]);
    let verdictSet = -1;  // Index where the current set of verdicts starts.
    for (let i = 0; i < N; i++) {
      if (i % CHECKPOINT_EVERY === 0) checkpoints.push(cloneState(state));
      const r = records[i];
      if (r.k !== 'verdict' && r.k !== 'violation' && r.k !== 'end') runRecords.push(i);
      if (r.k === 'send') {
        const key = r.conn + ' ' + r.p + '>' + r.to;
        if (!inFlight.has(key)) inFlight.set(key, []);
        inFlight.get(key).push(i);
      } else if (r.k === 'recv' || r.k === 'drop') {
        const to = r.k === 'recv' ? r.p : r.to;
        const queue = inFlight.get(r.conn + ' ' + r.from + '>' + to);
        if (queue && queue.length) {
          // TCP keeps order, so the oldest send is the one. The unsafe channel mode may
          // reorder and duplicate, so take the oldest of the same type and zxid: a
          // duplicate delivery may then be joined to a later send (docs/viewer.md).
          let at = queue.findIndex(j => records[j].type === r.type && records[j].zxid === r.zxid);
          if (at < 0) at = 0;
          const j = queue[at];
          partner[j] = i;
          partner[i] = j;
          if (r.k === 'drop') dropped[j] = 1;
          queue.splice(at, 1);
        }
      } else if (r.k === 'fault' || r.k === 'stopped') {
        faults.push(i);
      } else if (r.k === 'verdict') {
        // A new set starts after anything else (zabsim run writes one per `check`).
        const prev = i > 0 ? records[i - 1].k : '';
        if (prev !== 'verdict' && prev !== 'violation') verdictSet = i;
      } else if (r.k === 'violation') {
        // "... (trace record N)": the Nth record of the run.
        const m = /\(trace record (\d+)\)\s*$/.exec(r.detail.split('\n')[0]);
        const n = m ? parseInt(m[1], 10) : 0;
        const target = n >= 1 && n <= runRecords.length ? runRecords[n - 1] : i;
        violations.push({ at: i, target: target, check: r.check, detail: r.detail });
      }
      const before = state.peers[r.p];
      const was = before ? before.role + '/' + before.phase + '/' + before.up : '';
      fold(state, i);
      if (before) {
        const now = before.role + '/' + before.phase + '/' + before.up;
        if (now !== was) {
          lanes[r.p].push({
            from: i, role: before.role, phase: before.phase, up: before.up, epoch: before.currentEpoch,
          });
          if (r.k === 'state') phaseChanges.push(i);
        }
      }
    }
    if (N % CHECKPOINT_EVERY === 0) checkpoints.push(cloneState(state));
    // The verdicts that count are the last set, just before the end record.
    if (verdictSet >= 0) {
      for (let i = verdictSet; i < N && (records[i].k === 'verdict' || records[i].k === 'violation'); i++) {
        if (records[i].k === 'verdict') verdicts.push(i);
      }
    }
    violations.sort((a, b) => a.target - b.target || a.at - b.at);
  })();
  const violationTargets = [...new Set(violations.map(v => v.target))].sort((a, b) => a - b);
  const violationAt = new Map();  // target index -> [violations], each detail once.
  for (const v of violations) {
    if (!violationAt.has(v.target)) violationAt.set(v.target, []);
    const list = violationAt.get(v.target);
    // A scenario's `check` directives repeat the violations found so far.
    if (!list.some(x => x.detail === v.detail)) list.push(v);
  }

  // stateAt returns the state after the first `step` records, from the nearest checkpoint.
  let cache = { step: 0, state: cloneState(checkpoints[0] || newState()) };
  function stateAt(step) {
    if (step === cache.step) return cache.state;
    let from, state;
    const c = Math.floor(step / CHECKPOINT_EVERY);
    if (step > cache.step && step - cache.step <= step - c * CHECKPOINT_EVERY) {
      from = cache.step; state = cache.state;  // Stepping forward: go on from here.
    } else {
      from = c * CHECKPOINT_EVERY; state = cloneState(checkpoints[c]);
    }
    for (let i = from; i < step; i++) fold(state, i);
    cache = { step: step, state: state };
    return state;
  }

  // Binary searches over sorted index lists.
  function firstAbove(list, i) {  // The first element > i, or -1.
    let lo = 0, hi = list.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (list[mid] > i) hi = mid; else lo = mid + 1; }
    return lo < list.length ? list[lo] : -1;
  }
  function lastBelow(list, i) {  // The last element < i, or -1.
    let lo = 0, hi = list.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (list[mid] < i) lo = mid + 1; else hi = mid; }
    return lo > 0 ? list[lo - 1] : -1;
  }

  // ---------------------------------------------------------------------------------
  // The page.

  const $ = id => document.getElementById(id);
  const canvas = $('timeline');
  const stepInput = $('step');
  const slider = $('slider');
  let step = 0;
  let windowSize = 120;  // Records across the timeline.

  function setup() {
    const bugs = header.bugs && header.bugs.length ? ', bugs ' + header.bugs.join(' ') : '';
    const what = header.source === 'run' ? 'zabsim run ' + header.scenario
                                          : 'zabsim sim ' + (header.args || []).join(' ');
    $('title').textContent = what;
    document.title = 'zabsim: ' + what;
    const end = N > 0 && records[N - 1].k === 'end' ? records[N - 1] : null;
    $('meta').textContent = 'seed ' + SEED + ', ' + header.voters + ' voters, ' + header.observers +
        ' observers, ' + header.clients + ' clients' + bugs + ' \u00b7 ' + N + ' records' +
        (end ? ' \u00b7 fingerprint ' + end.fingerprint : ' \u00b7 no end record: the file was cut short');
    stepInput.max = N;
    slider.max = N;
    canvas.height = (TOP_ROWS + PEERS) * LANE_HEIGHT + 22;
    // The legend doubles as the message filter.
    const legend = $('legend');
    for (const f of FAMILIES) {
      const label = document.createElement('label');
      const box = document.createElement('input');
      box.type = 'checkbox';
      box.checked = f.shown;
      box.dataset.family = f.name;
      box.addEventListener('change', () => { f.shown = box.checked; draw(); });
      const swatch = document.createElement('span');
      swatch.className = 'swatch';
      swatch.style.background = f.color;
      label.append(box, swatch, f.name + ' messages');
      legend.append(label);
    }
    const roles = document.createElement('span');
    roles.innerHTML = Object.keys(ROLE_COLOR).map(r =>
        '<span class="swatch" style="background:' + ROLE_COLOR[r] + '"></span>' + r).join(' ') + ' &middot; ' +
        Object.keys(PHASE_COLOR).map(p =>
        '<span class="swatch" style="background:' + PHASE_COLOR[p] + '"></span>' + p).join(' ') +
        ' &middot; <span class="swatch" style="background:#555"></span>down';
    legend.append(roles);
    drawVerdicts();
  }

  function drawVerdicts() {
    const box = $('verdicts');
    if (!verdicts.length) {
      box.textContent = 'No verdict records (the run was cut short).';
      return;
    }
    const list = document.createElement('ul');
    for (const i of verdicts) {
      const v = records[i];
      const li = document.createElement('li');
      li.className = v.ok ? 'good' : 'bad';
      li.dataset.check = v.check;
      li.textContent = v.check + ': ' + (v.ok ? 'ok' : 'VIOLATED (' + v.violations + ')');
      if (!v.ok) {
        const sub = document.createElement('ul');
        for (const x of violations) {
          if (x.check !== v.check || x.at < i) continue;
          const item = document.createElement('li');
          item.className = 'detail';
          item.textContent = x.detail.split('\n')[0];
          item.title = 'go to the record where it broke';
          item.addEventListener('click', () => go(x.target + 1));
          sub.append(item);
        }
        li.append(sub);
      }
      list.append(li);
    }
    box.replaceChildren(list);
  }

  // go moves to `target` (clamped) and redraws.
  function go(target) {
    step = Math.max(0, Math.min(N, Math.round(target)));
    render();
  }

  function render() {
    const state = stateAt(step);
    stepInput.value = step;
    slider.value = step;
    const current = step > 0 ? records[step - 1] : null;
    $('position').textContent = 'step ' + step + ' of ' + N +
        (current ? ' \u00b7 t=' + formatTime(current.t) + 's \u00b7 ' + current.k + ' by ' + peerName(current.p)
                 : ' \u00b7 before the first record');
    const hits = current ? violationAt.get(step - 1) : null;
    const banner = $('banner');
    if (hits) {
      banner.textContent = hits.map(v => 'violation: ' + v.detail.split('\n')[0]).join('\n');
      banner.classList.add('shown');
    } else {
      banner.textContent = '';
      banner.classList.remove('shown');
    }
    drawTable(state, current);
    drawEvents();
    draw();
    document.body.dataset.step = String(step);
  }

  function cell(tr, field, text, cls) {
    const td = document.createElement('td');
    td.dataset.field = field;
    td.textContent = text;
    if (cls) td.className = cls;
    tr.append(td);
  }

  function drawTable(state, current) {
    const table = $('state-table');
    const rows = [];
    const head = document.createElement('tr');
    head.innerHTML = '<th>peer</th><th>up</th><th>role</th><th>phase</th><th>leader</th>' +
        '<th title="acceptedEpoch / currentEpoch">epochs</th><th>last logged</th><th>txn log</th>' +
        '<th>committed</th><th>applied</th>';
    rows.push(head);
    for (let p = 1; p <= SERVERS; p++) {
      const s = state.peers[p];
      const tr = document.createElement('tr');
      tr.dataset.peer = p;
      if (!s.up) tr.classList.add('down');
      if (current && current.p === p) tr.classList.add('changed');
      const log = logSummary(s);
      cell(tr, 'peer', peerName(p));
      cell(tr, 'up', s.up ? 'up' : 'down');
      cell(tr, 'role', s.role, 'role-' + s.role);
      cell(tr, 'phase', s.phase);
      cell(tr, 'leader', s.leader ? String(s.leader) : '');
      const epoch = e => (e === '' ? '?' : String(e));
      cell(tr, 'epochs', epoch(s.acceptedEpoch) + ' / ' + epoch(s.currentEpoch), 'num');
      cell(tr, 'last-logged', s.lastLogged ? s.lastLogged + ' (' + zxidParts(s.lastLogged) + ')' : '', 'num');
      const files = log.segments + ' file' + (log.segments > 1 ? 's' : '');
      cell(tr, 'log', (log.segments ? log.count + ' txns in ' + files + ' from ' + log.first : 'empty') +
          (log.snapshot ? ', snapshot ' + log.snapshot : ''), 'num');
      cell(tr, 'committed', s.committed, 'num');
      cell(tr, 'applied', s.applied ? s.applied + ' (' + zxidParts(s.applied) + ')' : '', 'num');
      tr.lastChild.title = s.digest ? 'digest ' + s.digest : '';
      rows.push(tr);
    }
    if (PEERS > SERVERS) {
      const sub = document.createElement('tr');
      sub.innerHTML = '<th>client</th><th>up</th><th colspan="2">connected to</th><th colspan="3">waiting for</th>' +
          '<th colspan="3">last completed</th>';
      rows.push(sub);
    }
    for (let p = SERVERS + 1; p <= PEERS; p++) {
      const s = state.peers[p];
      const tr = document.createElement('tr');
      tr.dataset.peer = p;
      if (!s.up) tr.classList.add('down');
      if (current && current.p === p) tr.classList.add('changed');
      cell(tr, 'peer', peerName(p));
      cell(tr, 'up', s.up ? 'up' : 'down');
      const server = document.createElement('td');
      server.colSpan = 2;
      server.dataset.field = 'server';
      server.textContent = s.server ? 'server ' + s.server : '';
      tr.append(server);
      const pending = document.createElement('td');
      pending.colSpan = 3;
      pending.className = 'num';
      pending.textContent = s.pending;
      tr.append(pending);
      const done = document.createElement('td');
      done.colSpan = 3;
      done.className = 'num';
      done.textContent = s.completed;
      tr.append(done);
      rows.push(tr);
    }
    table.replaceChildren(...rows);
  }

  // The records around the current one, as text; only these few rows exist in the DOM.
  function drawEvents() {
    const box = $('events');
    const rows = [];
    const from = Math.max(0, step - 1 - 8), to = Math.min(N, step - 1 + 9);
    for (let i = from; i < to; i++) {
      const div = document.createElement('div');
      div.textContent = String(i + 1).padStart(7) + '  ' + recordText(i);
      if (i === step - 1) div.className = 'current';
      else if (i >= step) div.className = 'future';
      if (violationAt.has(i)) div.classList.add('violation-target');
      div.addEventListener('click', () => go(i + 1));
      rows.push(div);
    }
    box.replaceChildren(...rows);
  }

  // ---------------------------------------------------------------------------------
  // The timeline: x is the record's index (the order of events), one lane per peer.

  function laneY(p) { return (TOP_ROWS + p - 1) * LANE_HEIGHT; }

  function visibleWindow() {
    const width = Math.min(windowSize, Math.max(N, 1));
    let a = Math.max(0, step - 1 - Math.floor(width / 2));
    a = Math.min(a, Math.max(0, N - width));
    return { a: a, b: Math.min(N, a + width), width: width };
  }

  function draw() {
    const ratio = window.devicePixelRatio || 1;
    const cssWidth = canvas.clientWidth || 800;
    const cssHeight = (TOP_ROWS + PEERS) * LANE_HEIGHT + 22;
    if (canvas.width !== Math.round(cssWidth * ratio)) canvas.width = Math.round(cssWidth * ratio);
    canvas.height = Math.round(cssHeight * ratio);
    canvas.style.height = cssHeight + 'px';
    const ctx = canvas.getContext('2d');
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, cssWidth, cssHeight);
    const w = visibleWindow();
    const plot = cssWidth - LABEL_WIDTH - 10;
    const x = i => LABEL_WIDTH + ((i - w.a) + 0.5) * plot / w.width;
    const bottom = (TOP_ROWS + PEERS) * LANE_HEIGHT;

    // Lane backgrounds: role colour, a phase stripe, dark while down.
    ctx.font = '11px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    for (let p = 1; p <= PEERS; p++) {
      const y = laneY(p);
      const segs = lanes[p];
      let k = Math.max(0, upperBound(segs, w.a) - 1);
      for (; k < segs.length && segs[k].from < w.b; k++) {
        const seg = segs[k];
        const x0 = Math.max(LABEL_WIDTH, seg.from <= w.a ? LABEL_WIDTH : x(seg.from) - plot / w.width / 2);
        const next = k + 1 < segs.length ? segs[k + 1].from : N;
        const x1 = next >= w.b ? LABEL_WIDTH + plot : x(next) - plot / w.width / 2;
        if (!seg.up) {
          ctx.fillStyle = '#555';
        } else {
          ctx.fillStyle = isServer(p) ? (ROLE_COLOR[seg.role] || '#f0f0f0') : '#f4f4f4';
        }
        ctx.fillRect(x0, y + 2, x1 - x0, LANE_HEIGHT - 4);
        if (seg.up && PHASE_COLOR[seg.phase]) {
          ctx.fillStyle = PHASE_COLOR[seg.phase];
          ctx.fillRect(x0, y + LANE_HEIGHT - 6, x1 - x0, 4);
        }
        if (isServer(p) && x1 - x0 > 40) {
          // The label stays inside its segment.
          ctx.save();
          ctx.beginPath();
          ctx.rect(x0, y, x1 - x0 - 4, LANE_HEIGHT);
          ctx.clip();
          ctx.fillStyle = seg.up ? '#333' : '#eee';
          const epoch = seg.epoch !== '' ? ' e' + seg.epoch : '';
          const label = !seg.up ? 'down' : seg.role ? seg.role + ' ' + seg.phase + epoch : '';
          ctx.fillText(label, x0 + 8, y + LANE_HEIGHT / 2 - 2);
          ctx.restore();
        }
      }
      ctx.fillStyle = '#333';
      ctx.fillText(peerName(p), 4, y + LANE_HEIGHT / 2);
    }
    ctx.fillStyle = '#333';
    ctx.fillText('faults', 4, LANE_HEIGHT / 2);
    ctx.fillText('violations', 4, LANE_HEIGHT * 1.5);
    ctx.strokeStyle = '#e0e0e0';
    ctx.beginPath();
    for (let row = 1; row <= TOP_ROWS + PEERS; row++) {
      ctx.moveTo(0, row * LANE_HEIGHT + 0.5);
      ctx.lineTo(cssWidth, row * LANE_HEIGHT + 0.5);
    }
    ctx.stroke();

    // Messages: an arrow from the send to its recv, or to an x where it was dropped.
    // An arrow is drawn when either end is in the window, clipped to the plot.
    ctx.save();
    ctx.beginPath();
    ctx.rect(LABEL_WIDTH, 0, plot + 10, bottom);
    ctx.clip();
    const mid = p => laneY(p) + LANE_HEIGHT / 2;
    for (let i = w.a; i < w.b; i++) {
      const r = records[i];
      let s = -1;
      if (r.k === 'send') s = i;
      else if ((r.k === 'recv' || r.k === 'drop') && partner[i] >= 0 && partner[i] < w.a) s = partner[i];
      if (s < 0) continue;
      const send = records[s];
      const family = familyByName[FAMILY_OF[send.type]] || familyByName.client;
      if (!family.shown || send.to > PEERS) continue;
      const e = partner[s];
      const x0 = x(s), y0 = mid(send.p);
      const x1 = e >= 0 ? x(e) : x(w.b) + 20, y1 = mid(send.to);
      ctx.strokeStyle = family.color;
      ctx.fillStyle = family.color;
      ctx.lineWidth = s === step - 1 || e === step - 1 ? 2.5 : 1;
      ctx.setLineDash(dropped[s] ? [4, 3] : []);
      ctx.beginPath();
      ctx.moveTo(x0, y0);
      ctx.lineTo(x1, y1);
      ctx.stroke();
      ctx.setLineDash([]);
      if (e < 0) continue;
      if (dropped[s]) {
        ctx.strokeStyle = '#c62828';
        ctx.beginPath();
        ctx.moveTo(x1 - 4, y1 - 4); ctx.lineTo(x1 + 4, y1 + 4);
        ctx.moveTo(x1 + 4, y1 - 4); ctx.lineTo(x1 - 4, y1 + 4);
        ctx.stroke();
      } else {
        const angle = Math.atan2(y1 - y0, x1 - x0);
        ctx.beginPath();
        ctx.moveTo(x1, y1);
        ctx.lineTo(x1 - 7 * Math.cos(angle - 0.4), y1 - 7 * Math.sin(angle - 0.4));
        ctx.lineTo(x1 - 7 * Math.cos(angle + 0.4), y1 - 7 * Math.sin(angle + 0.4));
        ctx.fill();
      }
    }
    ctx.lineWidth = 1;

    // Other records: a dot on their peer's lane; crashes, starts, faults and violations
    // get their own marks.
    for (let i = w.a; i < w.b; i++) {
      const r = records[i];
      const xi = x(i);
      if (r.k === 'fault' || r.k === 'stopped') {
        ctx.strokeStyle = '#c62828';
        ctx.setLineDash([3, 3]);
        ctx.beginPath();
        ctx.moveTo(xi, 2); ctx.lineTo(xi, bottom);
        ctx.stroke();
        ctx.setLineDash([]);
        ctx.fillStyle = '#c62828';
        ctx.fillText(r.k === 'fault' ? r.fault : 'stopped: ' + r.reason, xi + 3, LANE_HEIGHT / 2);
      } else if (r.p >= 1 && r.p <= PEERS && r.k !== 'send' && r.k !== 'recv') {
        const y = mid(r.p);
        if (r.k === 'crash') {
          ctx.strokeStyle = '#c62828';
          ctx.lineWidth = 2;
          ctx.beginPath();
          ctx.moveTo(xi - 5, y - 5); ctx.lineTo(xi + 5, y + 5);
          ctx.moveTo(xi + 5, y - 5); ctx.lineTo(xi - 5, y + 5);
          ctx.stroke();
          ctx.lineWidth = 1;
        } else if (r.k === 'start' || r.k === 'state' || r.k === 'established') {
          ctx.fillStyle = r.k === 'start' ? '#2e7d32' : '#000';
          ctx.beginPath();
          ctx.moveTo(xi, y - 5); ctx.lineTo(xi + 4, y); ctx.lineTo(xi, y + 5); ctx.lineTo(xi - 4, y);
          ctx.fill();
        } else {
          ctx.fillStyle = r.k === 'commit' || r.k === 'apply' ? '#2e7d32' : '#777';
          ctx.fillRect(xi - 1, y - 1.5, 2, 3);
        }
      }
      if (violationAt.has(i)) {
        ctx.fillStyle = '#c62828';
        ctx.beginPath();
        ctx.arc(xi, LANE_HEIGHT * 1.5, 5, 0, 2 * Math.PI);
        ctx.fill();
        if (r.p >= 1 && r.p <= PEERS) {
          ctx.strokeStyle = '#c62828';
          ctx.lineWidth = 2;
          ctx.beginPath();
          ctx.arc(xi, mid(r.p), 8, 0, 2 * Math.PI);
          ctx.stroke();
          ctx.lineWidth = 1;
        }
      }
    }

    ctx.restore();

    // The current record, and a few positions with their times along the bottom.
    if (step > 0) {
      ctx.strokeStyle = '#1565c0';
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.moveTo(x(step - 1), 0); ctx.lineTo(x(step - 1), bottom);
      ctx.stroke();
      ctx.lineWidth = 1;
    }
    ctx.fillStyle = '#666';
    ctx.textBaseline = 'top';
    const ticks = Math.max(1, Math.floor(plot / 170));
    for (let t = 0; t < ticks && N > 0; t++) {
      const i = Math.min(w.b - 1, w.a + Math.floor(t * w.width / ticks));
      ctx.fillText('#' + (i + 1) + ' ' + formatTime(records[i].t) + 's', x(i), bottom + 4);
    }
  }

  function upperBound(segs, i) {  // The number of segments that start at or before i.
    let lo = 0, hi = segs.length;
    while (lo < hi) { const m = (lo + hi) >> 1; if (segs[m].from <= i) lo = m + 1; else hi = m; }
    return lo;
  }

  // ---------------------------------------------------------------------------------
  // Controls.

  // The jumps. Each lands so that the record it looks for is the current one.
  const jump = {
    next: () => go(step + 1),
    prev: () => go(step - 1),
    nextPhase: () => { const i = firstAbove(phaseChanges, step - 1); if (i >= 0) go(i + 1); },
    prevPhase: () => { const i = lastBelow(phaseChanges, step - 1); if (i >= 0) go(i + 1); },
    nextFault: () => { const i = firstAbove(faults, step - 1); if (i >= 0) go(i + 1); },
    prevFault: () => { const i = lastBelow(faults, step - 1); if (i >= 0) go(i + 1); },
    nextViolation: () => { const i = firstAbove(violationTargets, step - 1); if (i >= 0) go(i + 1); },
    prevViolation: () => { const i = lastBelow(violationTargets, step - 1); if (i >= 0) go(i + 1); },
    first: () => go(0),
    last: () => go(N),
    zoomIn: () => { windowSize = Math.max(20, Math.round(windowSize / 1.5)); draw(); },
    zoomOut: () => { windowSize = Math.min(20000, Math.round(windowSize * 1.5)); draw(); },
  };

  const buttons = {
    'btn-next': jump.next, 'btn-prev': jump.prev, 'btn-next-phase': jump.nextPhase,
    'btn-prev-phase': jump.prevPhase, 'btn-next-fault': jump.nextFault, 'btn-prev-fault': jump.prevFault,
    'btn-next-violation': jump.nextViolation, 'btn-prev-violation': jump.prevViolation,
    'btn-first': jump.first, 'btn-last': jump.last,
    'btn-zoom-in': jump.zoomIn, 'btn-zoom-out': jump.zoomOut,
  };
  for (const id in buttons) $(id).addEventListener('click', buttons[id]);
  $('btn-prev-violation').disabled = $('btn-next-violation').disabled = violationTargets.length === 0;

  stepInput.addEventListener('change', () => go(Number(stepInput.value) || 0));
  stepInput.addEventListener('keydown', e => {
    if (e.key !== 'Enter') return;
    go(Number(stepInput.value) || 0);
    stepInput.blur();
  });
  slider.addEventListener('input', () => go(Number(slider.value)));
  // recordAt is the index of the record under the mouse, or -1.
  function recordAt(e) {
    const rect = canvas.getBoundingClientRect();
    const plot = rect.width - LABEL_WIDTH - 10;
    const w = visibleWindow();
    const i = Math.floor(w.a + (e.clientX - rect.left - LABEL_WIDTH) * w.width / plot);
    return i >= w.a && i < w.b ? i : -1;
  }
  canvas.addEventListener('click', e => {
    const i = recordAt(e);
    if (i >= 0) go(i + 1);
  });
  canvas.addEventListener('mousemove', e => {
    const i = recordAt(e);
    canvas.title = i >= 0 ? '#' + (i + 1) + ' ' + recordText(i) : '';
  });
  canvas.addEventListener('wheel', e => {
    e.preventDefault();
    if (e.deltaY < 0) jump.zoomIn(); else jump.zoomOut();
  }, { passive: false });
  window.addEventListener('resize', draw);
  document.addEventListener('keydown', e => {
    if (e.target === stepInput || e.altKey || e.ctrlKey || e.metaKey) return;
    const keys = {
      ArrowRight: e.shiftKey ? jump.nextPhase : jump.next,
      ArrowLeft: e.shiftKey ? jump.prevPhase : jump.prev,
      j: jump.next, k: jump.prev, ']': jump.nextPhase, '[': jump.prevPhase,
      v: jump.nextViolation, V: jump.prevViolation, f: jump.nextFault, F: jump.prevFault,
      PageDown: () => go(step + 100), PageUp: () => go(step - 100),
      Home: jump.first, End: jump.last, '+': jump.zoomIn, '=': jump.zoomIn, '-': jump.zoomOut,
      g: () => { stepInput.focus(); stepInput.select(); },
    };
    const action = keys[e.key];
    if (action) {
      e.preventDefault();
      action();
    }
  });

  setup();
  // Open at a step named in the address (viewer.html#step=123), else at the start.
  const fromHash = /step=(\d+)/.exec(location.hash);
  go(fromHash ? Number(fromHash[1]) : 0);
  // For tests and the curious: how long loading took, in milliseconds since navigation.
  document.body.dataset.loadMs = String(Math.round(performance.now()));
  document.body.dataset.ready = '1';
})();
