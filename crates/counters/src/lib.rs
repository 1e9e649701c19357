//! Project task counters: which project counters a change of one task row moves.
//!
//! `synapse.projects.task_count` counts a project's live (not soft-deleted), non-template
//! tasks; `completed_task_count` those of them with status `Done`. A task row counts
//! towards `(department_id, project_id)` when it has a project, is not a recurring template
//! and is not soft-deleted (instances are ordinary tasks and count). Every change subtracts
//! the old row's contribution and adds the new one's; the result is at most two deltas,
//! sorted by `(department_id, project_id)`, so every writer locks two projects in the same
//! order (no deadlock when tasks move both ways between them at once).
//!
//! A statement's row changes are collected in [`Pending`] and applied once at the end of
//! the statement, one write per project in `(department_id, project_id)` order: a bulk
//! insert of 20,000 tasks into 200 projects writes 200 rows, not 20,000. How they are
//! written is the statement trigger's argument ([`Apply`]): an UPDATE of the project row
//! (every statement locks its projects in one global order, and holds them until it
//! commits), or a row appended to the deltas (migration 16: nothing is locked).
//!
//! Pure Rust, no PostgreSQL: `cargo test -p synapse_counters` covers it. The extension's
//! `src/sql/counters.rs` reads the rows and applies the deltas.

use std::collections::BTreeMap;

/// A uuid's 16 bytes (a department's or a project's id).
pub type Uuid = [u8; 16];

/// What the counters need to know about one version of a task row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TaskFacts {
    pub department_id: Uuid,
    pub project_id: Option<Uuid>,
    pub is_recurring: bool,
    pub deleted: bool,
    pub done: bool,
}

impl TaskFacts {
    /// The project this row counts towards, if it counts.
    fn counted_in(&self) -> Option<(Uuid, Uuid)> {
        match self.project_id {
            Some(project) if !self.is_recurring && !self.deleted => Some((self.department_id, project)),
            _ => None,
        }
    }
}

/// A change to one project's counters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Delta {
    pub department_id: Uuid,
    pub project_id: Uuid,
    pub tasks: i32,
    pub completed: i32,
}

/// The counter changes for one row change: `old` is absent for an INSERT, `new` for a
/// DELETE. At most two, sorted by `(department_id, project_id)`, none of them zero.
pub fn deltas(old: Option<&TaskFacts>, new: Option<&TaskFacts>) -> Vec<Delta> {
    let leaving = old.and_then(|row| row.counted_in().map(|key| (key, -1, row.done)));
    let arriving = new.and_then(|row| row.counted_in().map(|key| (key, 1, row.done)));
    let mut out: Vec<Delta> = Vec::with_capacity(2);
    for ((department_id, project_id), sign, done) in leaving.into_iter().chain(arriving) {
        let completed = if done { sign } else { 0 };
        match out.iter_mut().find(|d| (d.department_id, d.project_id) == (department_id, project_id)) {
            Some(same) => {
                same.tasks += sign;
                same.completed += completed;
            }
            None => out.push(Delta { department_id, project_id, tasks: sign, completed }),
        }
    }
    out.retain(|d| d.tasks != 0 || d.completed != 0);
    out.sort_by_key(|d| (d.department_id, d.project_id));
    out
}

/// How the statement trigger writes a statement's deltas, from its trigger arguments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Apply {
    /// No argument (migration 8): `UPDATE synapse.projects` once per project. Writers of one
    /// project queue on its row until each commits.
    UpdateProjects,
    /// `'deltas'` (migration 16): one row per project appended to
    /// `synapse.project_count_deltas`, which `synapse.projects` adds to the base counters
    /// until a merge folds it in. No row is locked.
    AppendDeltas,
}

impl Apply {
    /// The mode the trigger's `CREATE TRIGGER … EXECUTE FUNCTION f(args)` arguments name;
    /// `None` for anything else (the boundary refuses it, quoting the arguments).
    pub fn from_trigger_args<S: AsRef<str>>(args: &[S]) -> Option<Apply> {
        match args {
            [] => Some(Apply::UpdateProjects),
            [only] if only.as_ref() == "deltas" => Some(Apply::AppendDeltas),
            _ => None,
        }
    }
}

/// Deltas collected and not applied yet, each with the (sub)transaction nesting level
/// whose statement made it, so an aborted subtransaction's can be discarded and a nested
/// statement applies only its own level's and deeper.
#[derive(Debug, Default)]
pub struct Pending {
    by_key: BTreeMap<(Uuid, Uuid, i32), (i32, i32)>,
}

impl Pending {
    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }

    /// Adds one row change's deltas, made at nesting `level`.
    pub fn add(&mut self, level: i32, changes: &[Delta]) {
        for d in changes {
            let sum = self.by_key.entry((d.department_id, d.project_id, level)).or_insert((0, 0));
            sum.0 += d.tasks;
            sum.1 += d.completed;
        }
    }

    /// Removes and returns what was made at `level` or deeper, merged per project, sorted by
    /// `(department_id, project_id)`, zero sums left out.
    pub fn take_from(&mut self, level: i32) -> Vec<Delta> {
        let mut out: Vec<Delta> = Vec::new();
        self.by_key.retain(|&(department_id, project_id, made_at), &mut (tasks, completed)| {
            if made_at < level {
                return true;
            }
            match out.last_mut() {
                Some(last) if (last.department_id, last.project_id) == (department_id, project_id) => {
                    last.tasks += tasks;
                    last.completed += completed;
                }
                _ => out.push(Delta { department_id, project_id, tasks, completed }),
            }
            false
        });
        out.retain(|d| d.tasks != 0 || d.completed != 0);
        out
    }

    /// Forgets what was made at `level` or deeper (that subtransaction aborted).
    pub fn discard_from(&mut self, level: i32) {
        self.by_key.retain(|&(_, _, made_at), _| made_at < level);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const D1: Uuid = [0x11; 16];
    const D2: Uuid = [0x22; 16];
    const P1: Uuid = [0x01; 16];
    const P2: Uuid = [0x02; 16];

    fn task(department_id: Uuid, project: Option<Uuid>) -> TaskFacts {
        TaskFacts { department_id, project_id: project, is_recurring: false, deleted: false, done: false }
    }

    fn delta(department_id: Uuid, project_id: Uuid, tasks: i32, completed: i32) -> Delta {
        Delta { department_id, project_id, tasks, completed }
    }

    #[test]
    fn an_inserted_task_counts_once_and_done_counts_as_completed() {
        let open = task(D1, Some(P1));
        assert_eq!(deltas(None, Some(&open)), vec![delta(D1, P1, 1, 0)]);
        let done = TaskFacts { done: true, ..open };
        assert_eq!(deltas(None, Some(&done)), vec![delta(D1, P1, 1, 1)]);
    }

    #[test]
    fn templates_tasks_without_project_and_soft_deleted_rows_do_not_count() {
        let template = TaskFacts { is_recurring: true, ..task(D1, Some(P1)) };
        let loose = task(D1, None);
        let deleted = TaskFacts { deleted: true, ..task(D1, Some(P1)) };
        for row in [template, loose, deleted] {
            assert_eq!(deltas(None, Some(&row)), vec![]);
            assert_eq!(deltas(Some(&row), None), vec![]);
        }
    }

    #[test]
    fn a_hard_delete_subtracts_what_the_row_counted() {
        let done = TaskFacts { done: true, ..task(D1, Some(P1)) };
        assert_eq!(deltas(Some(&done), None), vec![delta(D1, P1, -1, -1)]);
        assert_eq!(deltas(Some(&task(D1, Some(P1))), None), vec![delta(D1, P1, -1, 0)]);
    }

    #[test]
    fn status_changes_move_only_the_completed_count() {
        let open = task(D1, Some(P1));
        let done = TaskFacts { done: true, ..open };
        assert_eq!(deltas(Some(&open), Some(&done)), vec![delta(D1, P1, 0, 1)]);
        assert_eq!(deltas(Some(&done), Some(&open)), vec![delta(D1, P1, 0, -1)]);
        assert_eq!(deltas(Some(&open), Some(&open)), vec![], "no change, no update");
        assert_eq!(deltas(Some(&done), Some(&done)), vec![]);
    }

    #[test]
    fn soft_delete_and_undelete_subtract_and_add_back() {
        let live = TaskFacts { done: true, ..task(D1, Some(P1)) };
        let deleted = TaskFacts { deleted: true, ..live };
        assert_eq!(deltas(Some(&live), Some(&deleted)), vec![delta(D1, P1, -1, -1)]);
        assert_eq!(deltas(Some(&deleted), Some(&live)), vec![delta(D1, P1, 1, 1)]);
    }

    #[test]
    fn a_task_becoming_a_template_or_an_instance_leaves_or_joins_the_count() {
        let instance = task(D1, Some(P1));
        let template = TaskFacts { is_recurring: true, ..instance };
        assert_eq!(deltas(Some(&instance), Some(&template)), vec![delta(D1, P1, -1, 0)]);
        assert_eq!(deltas(Some(&template), Some(&instance)), vec![delta(D1, P1, 1, 0)]);
    }

    #[test]
    fn moves_between_projects_and_departments_touch_both_in_key_order() {
        let in_p2 = TaskFacts { done: true, ..task(D1, Some(P2)) };
        let in_p1 = TaskFacts { done: true, ..task(D1, Some(P1)) };
        // Either direction: the lower (department, project) first.
        assert_eq!(deltas(Some(&in_p2), Some(&in_p1)), vec![delta(D1, P1, 1, 1), delta(D1, P2, -1, -1)]);
        assert_eq!(deltas(Some(&in_p1), Some(&in_p2)), vec![delta(D1, P1, -1, -1), delta(D1, P2, 1, 1)]);
        // The same project id in another department is another project; department first.
        let other_department = TaskFacts { department_id: D2, project_id: Some(P1), ..in_p2 };
        assert_eq!(
            deltas(Some(&other_department), Some(&in_p2)),
            vec![delta(D1, P2, 1, 1), delta(D2, P1, -1, -1)]
        );
        // Into and out of "no project".
        let loose = task(D1, None);
        assert_eq!(deltas(Some(&loose), Some(&in_p1)), vec![delta(D1, P1, 1, 1)]);
        assert_eq!(deltas(Some(&in_p1), Some(&loose)), vec![delta(D1, P1, -1, -1)]);
    }

    #[test]
    fn a_move_with_a_status_change_counts_the_status_on_each_side() {
        let open_in_p1 = task(D1, Some(P1));
        let done_in_p2 = TaskFacts { done: true, ..task(D1, Some(P2)) };
        assert_eq!(
            deltas(Some(&open_in_p1), Some(&done_in_p2)),
            vec![delta(D1, P1, -1, 0), delta(D1, P2, 1, 1)]
        );
    }

    #[test]
    fn every_transition_keeps_counts_equal_to_a_recount() {
        // All row versions over two departments x {none, P1, P2} x template x deleted x done:
        // applying deltas(old, new) to a recount of `old` gives a recount of `new`.
        let mut rows = Vec::new();
        for department_id in [D1, D2] {
            for project_id in [None, Some(P1), Some(P2)] {
                for bits in 0..8u8 {
                    rows.push(TaskFacts {
                        department_id,
                        project_id,
                        is_recurring: bits & 1 != 0,
                        deleted: bits & 2 != 0,
                        done: bits & 4 != 0,
                    });
                }
            }
        }
        let recount = |row: Option<&TaskFacts>| {
            let mut counts = std::collections::BTreeMap::new();
            if let Some(key) = row.and_then(TaskFacts::counted_in) {
                counts.insert(key, (1, i32::from(row.is_some_and(|r| r.done))));
            }
            counts
        };
        let all = rows.iter().map(Some).chain([None]).collect::<Vec<_>>();
        for &old in &all {
            for &new in &all {
                let mut counts = recount(old);
                let changes = deltas(old, new);
                assert!(changes
                    .windows(2)
                    .all(|w| (w[0].department_id, w[0].project_id) < (w[1].department_id, w[1].project_id)));
                for d in changes {
                    let entry = counts.entry((d.department_id, d.project_id)).or_insert((0, 0));
                    entry.0 += d.tasks;
                    entry.1 += d.completed;
                }
                counts.retain(|_, v| *v != (0, 0));
                assert_eq!(counts, recount(new), "{old:?} -> {new:?}");
            }
        }
    }

    #[test]
    fn pending_merges_a_statements_rows_per_project_in_key_order() {
        let mut pending = Pending::default();
        let open_p2 = task(D1, Some(P2));
        let done_p1 = TaskFacts { done: true, ..task(D1, Some(P1)) };
        for _ in 0..3 {
            pending.add(1, &deltas(None, Some(&open_p2)));
        }
        pending.add(1, &deltas(None, Some(&done_p1)));
        pending.add(1, &deltas(Some(&open_p2), Some(&TaskFacts { department_id: D2, ..open_p2 })));
        assert_eq!(pending.take_from(1), vec![delta(D1, P1, 1, 1), delta(D1, P2, 2, 0), delta(D2, P2, 1, 0)]);
        assert!(pending.is_empty());
        // A move there and back again sums to nothing: no UPDATE at all.
        pending.add(1, &deltas(Some(&open_p2), Some(&task(D1, Some(P1)))));
        pending.add(1, &deltas(Some(&task(D1, Some(P1))), Some(&open_p2)));
        assert_eq!(pending.take_from(1), vec![]);
    }

    #[test]
    fn the_trigger_argument_chooses_update_or_append_and_nothing_else() {
        assert_eq!(Apply::from_trigger_args::<&str>(&[]), Some(Apply::UpdateProjects));
        assert_eq!(Apply::from_trigger_args(&["deltas"]), Some(Apply::AppendDeltas));
        for wrong in [&["Deltas"][..], &["update"], &["deltas", "deltas"], &[""]] {
            assert_eq!(Apply::from_trigger_args(wrong), None, "{wrong:?}");
        }
    }

    #[test]
    fn pending_levels_nested_statements_and_aborted_subtransactions() {
        let mut pending = Pending::default();
        pending.add(1, &[delta(D1, P1, 1, 0)]);
        // A nested statement in a subtransaction: it applies its own, not the outer one's.
        pending.add(2, &[delta(D1, P1, 1, 1), delta(D1, P2, 1, 0)]);
        assert_eq!(pending.take_from(2), vec![delta(D1, P1, 1, 1), delta(D1, P2, 1, 0)]);
        // Another one aborts: its deltas are forgotten, the outer statement's stay.
        pending.add(2, &[delta(D1, P2, 5, 0)]);
        pending.discard_from(2);
        assert_eq!(pending.take_from(1), vec![delta(D1, P1, 1, 0)]);
        assert!(pending.is_empty());
    }
}
