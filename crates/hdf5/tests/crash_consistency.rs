//! Crash consistency of the writer's commit protocol (reliability goals B1, B2, B4), engine
//! only, in process, on `FaultStorage` over `MemStorage`:
//!
//! - B1, kill at every mutating call: for each editing operation, the calls of a fault-free
//!   run are counted (K), then the operation is replayed on a fresh copy of the base file for
//!   every kill point k (all when K <= 2000, else >= 500 sampled incl. the first and last 50)
//!   with a simulated crash at call k (that call and all later ones dropped). The bytes left
//!   must reopen as exactly the old or exactly the new logical content (a full walk digest),
//!   old exactly up to the superblock write and new after it; an old state must accept the
//!   operation again and then read as new.
//! - B2, write fence: every write before the superblock write lands at or past the old end
//!   of file, exactly one write lands below it (the superblock, at the base), between two
//!   syncs, and it is the last write; no set_len cuts into the old file.
//! - B4, I/O errors: EIO and ENOSPC, once and persistently, at every write/set_len and at
//!   every sync: the operation returns the I/O error, the file reopens as the old content,
//!   the same writer refuses any further commit (`Error::Poisoned`), and after a one-off
//!   error a new writer redoes the operation.
//!
//! Run with `--nocapture` for the per-operation tables.

mod support;

use loomfile_hdf5::storage::{
    FaultAction, FaultPlan, FaultStorage, MemStorage, WriteAt, WriteEvent,
};
use loomfile_hdf5::{Error, File, Writer};
use std::io::ErrorKind;
use std::sync::Arc;
use support::crash::{self, Op, Outcome};

/// The 1-based index of the superblock write (at address 0: these files have no userblock).
fn superblock_call(events: &[WriteEvent]) -> u64 {
    let i = events
        .iter()
        .position(|e| matches!(e, WriteEvent::Write { offset: 0, .. }))
        .expect("the commit writes the superblock");
    i as u64 + 1
}

#[test]
fn every_kill_point_leaves_the_old_or_the_new_file() {
    kill_suite(&crash::base(), "fresh base");
}

/// The same on a base with interior holes: every commit puts new structures into space the
/// committed state does not use (reuse), and a crash at any point still leaves old or new.
#[test]
fn every_kill_point_with_space_reuse_leaves_the_old_or_the_new_file() {
    kill_suite(&crash::base_with_holes(), "base with holes (space reuse)");
}

fn kill_suite(base: &[u8], label: &str) {
    let base = base.to_vec();
    let old = crash::digest(&base);
    assert!(!old.starts_with("ERROR"), "base file unreadable: {old}");
    let mut table = Vec::new();
    let mut failures = Vec::new();
    for op in crash::ops() {
        let rec = crash::record(&base, &op);
        let new = crash::digest(&rec.new);
        assert!(!new.starts_with("ERROR"), "{}: new file unreadable: {new}", op.name);
        assert_ne!(new, old, "{}: the operation changed nothing", op.name);
        let k_total = rec.events.len() as u64;
        let sb = superblock_call(&rec.events);
        let points = crash::kill_points(k_total);
        let (mut n_old, mut n_new, mut n_other, mut n_recovered) = (0u64, 0u64, 0u64, 0u64);
        for &k in &points {
            let (bytes, result) = crash::crash_state(&base, &op, k);
            if result.is_ok() {
                failures
                    .push(format!("{}: crash at call {k} but the operation returned Ok", op.name));
            }
            match crash::classify(&bytes, &old, &new) {
                Outcome::Old => {
                    n_old += 1;
                    if k > sb {
                        failures.push(format!(
                            "{}: k={k} (after the superblock write {sb}) is old",
                            op.name
                        ));
                    }
                    // Recovery: the crashed file takes the operation again and reads as new.
                    let st = Arc::new(MemStorage::new(bytes));
                    let dynst: Arc<dyn WriteAt> = st.clone();
                    let mut w = Writer::open_in(dynst).expect("reopen a crash state for editing");
                    match (op.run)(&mut w).and_then(|()| w.commit()) {
                        Ok(()) if crash::digest(&st.to_vec()) == new => n_recovered += 1,
                        Ok(()) => {
                            failures.push(format!("{}: k={k}: redo gave other content", op.name))
                        }
                        Err(e) => failures.push(format!("{}: k={k}: redo failed: {e}", op.name)),
                    }
                }
                Outcome::New => {
                    n_new += 1;
                    if k <= sb {
                        failures.push(format!(
                            "{}: k={k} (before the superblock write {sb}) is new",
                            op.name
                        ));
                    }
                }
                Outcome::Other(d) => {
                    n_other += 1;
                    failures.push(format!("{}: k={k}: neither old nor new:\n{d}", op.name));
                }
            }
        }
        assert_eq!(n_old + n_new + n_other, points.len() as u64);
        table.push((op.name, k_total, points.len() as u64, n_old, n_new, n_other, n_recovered));
    }
    eprintln!("\nB1 kill at every mutating call (write, set_len, sync), {label}:");
    eprintln!(
        "{:<34} {:>5} {:>6} {:>5} {:>5} {:>6} {:>9}",
        "operation", "K", "points", "old", "new", "other", "redo ok"
    );
    let mut tot = (0, 0, 0, 0, 0, 0);
    for (name, k, p, o, n, x, r) in &table {
        eprintln!("{name:<34} {k:>5} {p:>6} {o:>5} {n:>5} {x:>6} {r:>9}");
        tot = (tot.0 + k, tot.1 + p, tot.2 + o, tot.3 + n, tot.4 + x, tot.5 + r);
    }
    eprintln!(
        "{:<34} {:>5} {:>6} {:>5} {:>5} {:>6} {:>9}  ({} ops, {:.1}% old-or-new)",
        "total",
        tot.0,
        tot.1,
        tot.2,
        tot.3,
        tot.4,
        tot.5,
        table.len(),
        100.0 * (tot.2 + tot.3) as f64 / tot.1 as f64
    );
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
    assert_eq!(tot.4, 0);
}

#[test]
fn writes_respect_the_fence() {
    let base = crash::base();
    let old_eof = base.len() as u64;
    let sb_eof = File::from_bytes(base.clone()).unwrap().superblock().eof;
    assert_eq!(sb_eof, old_eof, "the base file ends at its end-of-file address");
    eprintln!("\nB2 write fence (old EOF {old_eof}):");
    eprintln!(
        "{:<34} {:>6} {:>5} {:>5} {:>7} {:>9}",
        "operation", "writes", "below", "syncs", "set_len", "new EOF"
    );
    for op in crash::ops() {
        let rec = crash::record(&base, &op);
        let ev = &rec.events;
        let new_eof = rec.new.len() as u64;
        let below: Vec<usize> = ev
            .iter()
            .enumerate()
            .filter(|(_, e)| matches!(e, WriteEvent::Write { offset, .. } if *offset < old_eof))
            .map(|(i, _)| i)
            .collect();
        assert_eq!(
            below.len(),
            1,
            "{}: writes below the old EOF at calls {below:?}: {ev:?}",
            op.name
        );
        let i = below[0];
        let WriteEvent::Write { offset, len } = ev[i] else { unreachable!() };
        assert_eq!(offset, 0, "{}: the one write below the fence is the superblock", op.name);
        assert!(len <= 128, "{}: the superblock write is {len} bytes", op.name);
        let last_write = ev.iter().rposition(|e| matches!(e, WriteEvent::Write { .. })).unwrap();
        assert_eq!(last_write, i, "{}: the superblock write is the last write", op.name);
        assert!(
            i >= 1 && ev[i - 1] == WriteEvent::Sync,
            "{}: no sync before the superblock",
            op.name
        );
        assert_eq!(
            ev.get(i + 1),
            Some(&WriteEvent::Sync),
            "{}: no sync after the superblock",
            op.name
        );
        assert_eq!(i + 2, ev.len(), "{}: calls after the final sync", op.name);
        for e in ev {
            match *e {
                WriteEvent::Write { offset, len } if offset != 0 => assert!(
                    offset >= old_eof && offset + len <= new_eof,
                    "{}: write [{offset}, +{len}) outside [{old_eof}, {new_eof})",
                    op.name
                ),
                WriteEvent::SetLen(l) => {
                    assert!(l >= old_eof, "{}: set_len({l}) cuts into the old file", op.name)
                }
                _ => {}
            }
        }
        let writes = ev.iter().filter(|e| matches!(e, WriteEvent::Write { .. })).count();
        let syncs = ev.iter().filter(|e| **e == WriteEvent::Sync).count();
        let set_lens = ev.iter().filter(|e| matches!(e, WriteEvent::SetLen(_))).count();
        assert_eq!(syncs, 2, "{}: a commit syncs exactly twice", op.name);
        eprintln!(
            "{:<34} {writes:>6} {:>5} {syncs:>5} {set_lens:>7} {new_eof:>9}",
            op.name,
            below.len()
        );
    }
}

/// One writer committing every operation in turn: no write of a commit but its superblock
/// write touches a byte the state before it uses (its space map), and the later commits do
/// put new structures into space the earlier ones freed.
#[test]
fn each_commit_writes_only_where_the_committed_state_has_nothing() {
    let base = crash::base();
    let st = Arc::new(FaultStorage::recording(MemStorage::new(base.clone())));
    let dynst: Arc<dyn WriteAt> = st.clone();
    let mut w = Writer::open_in(dynst).unwrap();
    // The ops that do not conflict with each other, in order.
    let names = [
        "set numeric attr",
        "set vlen-string attr",
        "create chunked gzip dataset",
        "write hyperslab (partial chunks)",
        "resize + extend unlimited axis",
        "create vlen-string dataset",
        "delete link",
    ];
    let ops: Vec<Op> = crash::ops().into_iter().filter(|o| names.contains(&o.name)).collect();
    assert_eq!(ops.len(), names.len());
    let mut eof = base.len() as u64;
    let mut live = File::from_bytes(base.clone()).unwrap().live_ranges().unwrap();
    let mut from = 0;
    let mut reused = 0;
    for op in &ops {
        (op.run)(&mut w).unwrap();
        w.commit().unwrap();
        let ev = st.events();
        for e in &ev[from..] {
            match *e {
                WriteEvent::Write { offset, len } if offset != 0 => {
                    let clash = live.iter().any(|&(s, e)| offset < e && s < offset + len);
                    assert!(!clash, "{}: write [{offset}, +{len}) over live bytes", op.name);
                    if offset < eof {
                        reused += 1;
                    }
                }
                _ => {}
            }
        }
        let sbs =
            ev[from..].iter().filter(|e| matches!(e, WriteEvent::Write { offset: 0, .. })).count();
        assert_eq!(sbs, 1, "{}: one superblock write per commit", op.name);
        from = ev.len();
        eof = st.inner().to_vec().len() as u64;
        let f = File::from_bytes(st.inner().to_vec()).unwrap();
        assert_eq!(f.superblock().eof, eof);
        live = f.live_ranges().unwrap();
    }
    assert!(reused > 0, "no commit reused freed space");
}

/// B2 with reuse: on the base with holes, each operation's writes before the superblock
/// avoid every byte the old state uses, some land below the old end of file, the superblock
/// write is the last write, between two syncs, and a set_len that shrinks the file comes only
/// after it.
#[test]
fn writes_with_reuse_avoid_the_committed_state() {
    let base = crash::base_with_holes();
    let old_eof = base.len() as u64;
    let live = File::from_bytes(base.clone()).unwrap().live_ranges().unwrap();
    let mut below_total = 0;
    for op in crash::ops() {
        let rec = crash::record(&base, &op);
        let ev = &rec.events;
        let sb = ev
            .iter()
            .position(|e| matches!(e, WriteEvent::Write { offset: 0, .. }))
            .expect("a superblock write");
        assert_eq!(ev.get(sb + 1), Some(&WriteEvent::Sync), "{}: sync after it", op.name);
        assert!(sb >= 1 && ev[sb - 1] == WriteEvent::Sync, "{}: sync before it", op.name);
        for (i, e) in ev.iter().enumerate() {
            match *e {
                WriteEvent::Write { offset, len } if i != sb => {
                    assert!(i < sb, "{}: a write after the superblock", op.name);
                    let clash = live.iter().any(|&(s, e)| offset < e && s < offset + len);
                    assert!(!clash, "{}: write [{offset}, +{len}) over live bytes", op.name);
                    if offset < old_eof {
                        below_total += 1;
                    }
                }
                WriteEvent::SetLen(l) if l < old_eof => {
                    assert!(i > sb + 1, "{}: set_len({l}) before the new superblock", op.name)
                }
                _ => {}
            }
        }
    }
    assert!(below_total > 0, "no operation reused the holes");
}

fn is_io(e: &Error, kind: ErrorKind) -> bool {
    matches!(e, Error::Io { source, .. } if source.kind() == kind)
}

#[test]
fn io_errors_leave_the_old_file_and_poison_the_writer() {
    io_error_suite(&crash::base());
}

#[test]
fn io_errors_with_space_reuse_leave_the_old_file_and_poison_the_writer() {
    io_error_suite(&crash::base_with_holes());
}

fn io_error_suite(base: &[u8]) {
    let base = base.to_vec();
    let old = crash::digest(&base);
    let kinds = [("EIO", ErrorKind::Other), ("ENOSPC", ErrorKind::StorageFull)];
    let mut failures = Vec::new();
    let mut table = Vec::new();
    for op in crash::ops() {
        let rec = crash::record(&base, &op);
        let new = crash::digest(&rec.new);
        let sb = superblock_call(&rec.events);
        // Faults at writes and set_len count every call; faults at syncs count syncs only.
        let mut plans: Vec<(FaultPlan, bool)> = Vec::new();
        for (i, e) in rec.events.iter().enumerate() {
            if *e != WriteEvent::Sync {
                plans.push((
                    FaultPlan { at: Some(i as u64 + 1), syncs_only: false, action: None },
                    false,
                ));
            }
        }
        let syncs = rec.events.iter().filter(|e| **e == WriteEvent::Sync).count() as u64;
        for s in 1..=syncs {
            plans.push((FaultPlan { at: Some(s), syncs_only: true, action: None }, true));
        }
        let (mut runs, mut n_old, mut n_new, mut n_retried) = (0u64, 0u64, 0u64, 0u64);
        for (kname, kind) in kinds {
            for once in [true, false] {
                let action =
                    if once { FaultAction::FailOnce(kind) } else { FaultAction::FailForever(kind) };
                for (plan, at_sync) in &plans {
                    let plan = FaultPlan { action: Some(action), ..*plan };
                    let at = plan.at.unwrap();
                    let what = format!(
                        "{}: {kname} {} at {} {at}",
                        op.name,
                        if once { "once" } else { "forever" },
                        if *at_sync { "sync" } else { "call" }
                    );
                    runs += 1;
                    let mut r = crash::replay(&base, &op, plan);
                    match &r.result {
                        Ok(()) => failures.push(format!("{what}: returned Ok")),
                        Err(e) if !is_io(e, kind) => {
                            failures.push(format!("{what}: not the I/O error: {e}"))
                        }
                        Err(_) => {}
                    }
                    match r.writer.commit() {
                        Err(Error::Poisoned) => {}
                        other => failures
                            .push(format!("{what}: a later commit gave {other:?}, not Poisoned")),
                    }
                    // The final sync follows the superblock write: a persistent failure there
                    // also fails restoring the old superblock, so the new one stays.
                    let after_superblock = *at_sync && at == syncs;
                    match crash::classify(&r.bytes(), &old, &new) {
                        Outcome::Old => n_old += 1,
                        Outcome::New if after_superblock && !once => n_new += 1,
                        Outcome::New => failures.push(format!("{what}: the file reads as new")),
                        Outcome::Other(d) => {
                            failures.push(format!("{what}: neither old nor new:\n{d}"))
                        }
                    }
                    let _ = sb;
                    if once {
                        // The storage works again: a new writer redoes the operation.
                        let dynst: Arc<dyn WriteAt> = r.storage.clone();
                        match Writer::open_in(dynst) {
                            Ok(mut w) => match (op.run)(&mut w).and_then(|()| w.commit()) {
                                Ok(()) if crash::digest(&r.bytes()) == new => n_retried += 1,
                                Ok(()) => {
                                    failures.push(format!("{what}: retry gave other content"))
                                }
                                Err(e) => failures.push(format!("{what}: retry failed: {e}")),
                            },
                            Err(e) => failures.push(format!("{what}: reopen failed: {e}")),
                        }
                    }
                    drop(r.writer);
                }
            }
        }
        table.push((op.name, plans.len() - syncs as usize, syncs, runs, n_old, n_new, n_retried));
    }
    eprintln!(
        "\nB4 I/O errors (EIO, ENOSPC) x (once, forever) at every write/set_len and every sync:"
    );
    eprintln!(
        "{:<34} {:>6} {:>5} {:>5} {:>5} {:>5} {:>8}",
        "operation", "calls", "syncs", "runs", "old", "new*", "retry ok"
    );
    for (name, c, s, runs, o, n, r) in &table {
        eprintln!("{name:<34} {c:>6} {s:>5} {runs:>5} {o:>5} {n:>5} {r:>8}");
    }
    eprintln!(
        "new*: persistent failure of the sync after the superblock write (the old superblock cannot be restored)"
    );
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn kill_points_sample_large_operations() {
    assert_eq!(crash::kill_points(7), (1..=7).collect::<Vec<_>>());
    assert_eq!(crash::kill_points(2000).len(), 2000);
    for k in [2001u64, 5000, 123_457] {
        let p = crash::kill_points(k);
        assert!(p.len() >= 500, "{k}: {} points", p.len());
        assert!((1..=50).all(|i| p.contains(&i)), "{k}: first 50");
        assert!((k - 49..=k).all(|i| p.contains(&i)), "{k}: last 50");
        assert!(p.windows(2).all(|w| w[0] < w[1]) && *p.last().unwrap() == k);
    }
}
