// SPDX-License-Identifier: MIT
// Node.js (libuv inside): SIGUSR1 sent to itself, each after the handler of
// the last one ran (libuv's signal pipe), while a repeating 1 ms timer
// (libuv's epoll timeout: nothing traced) keeps the loop alive. Prints the
// JSON line of tests/loops/loops_common.h.
'use strict';
const n = parseInt(process.env.LOOPS_N || '200', 10);
let signals = 0, fires = 0;
const t = setInterval(() => { fires++; }, 1);
process.on('SIGUSR1', () => {
  signals++;
  if (signals < n) {
    setImmediate(() => process.kill(process.pid, 'SIGUSR1'));
    return;
  }
  clearInterval(t);
  process.removeAllListeners('SIGUSR1');
  // libuv's signal pipe: a message per signal, and its lock pipe around it
  console.log(JSON.stringify({program: 'node', did: {signals, timer_fires: fires},
    expect: {signal: {events: signals, sends: n}, pipe: {events: [signals, 4 * signals + 64]}}}));
});
process.kill(process.pid, 'SIGUSR1');
