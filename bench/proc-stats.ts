/**
 * CPU and UDP counters read from Linux's /proc (proc(5)): a process's CPU time, the whole machine's
 * busy time, and the kernel's UDP drop counters.
 */
import { readFileSync } from 'node:fs'
import { tryExec } from './bench-env.js'

/** utime + stime of a process in clock ticks, fields 14 and 15 of /proc/PID/stat (proc(5)). */
export function processTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // Field 2 (comm) is parenthesized and may contain spaces: count fields after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const UTIME = 11 // field 14, the 12th after comm (state is field 3)
  const STIME = 12
  return Number(fields[UTIME]) + Number(fields[STIME])
}

/** Busy and total ticks summed over all CPUs, from the first line of /proc/stat. */
export function machineTicks(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!
  const v = line.trim().split(/\s+/).slice(1).map(Number)
  const IDLE = 3
  const IOWAIT = 4
  const STEAL_END = 8 // user nice system idle iowait irq softirq steal; guest time is already in user
  const total = v.slice(0, STEAL_END).reduce((a, b) => a + b, 0)
  return { busy: total - v[IDLE]! - (v[IOWAIT] ?? 0), total }
}

/**
 * The kernel's UDP drop counters for this network namespace (/proc/net/snmp, RFC 4113 names):
 * RcvbufErrors counts datagrams dropped because a receiving socket's buffer was full — on loopback
 * that is the load client falling behind; SndbufErrors counts sends refused for a full send buffer.
 */
export function udpDropCounters(): { rcvbuf: number; sndbuf: number } {
  const lines = readFileSync('/proc/net/snmp', 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('Udp:'))
  const names = lines[0]?.split(/\s+/) ?? []
  const values = lines[1]?.split(/\s+/) ?? []
  const get = (name: string) => Number(values[names.indexOf(name)] ?? 0)
  return { rcvbuf: get('RcvbufErrors'), sndbuf: get('SndbufErrors') }
}

/** Resident set size of a process in KB (VmRSS of /proc/PID/status), 0 when unreadable. */
export function processRssKb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) : 0
  } catch {
    return 0
  }
}

export function clockTicksPerSecond(): number {
  const n = Number(tryExec('getconf', ['CLK_TCK']))
  return Number.isInteger(n) && n > 0 ? n : 100
}
