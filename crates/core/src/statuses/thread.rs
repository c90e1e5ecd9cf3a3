//! Threads: the ancestors and descendants of a status, as a viewer may see them.

use std::collections::{HashMap, HashSet};

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};

use crate::entities::status;
use crate::error::CoreResult;
use crate::instance::Instance;

use super::{MAX_ANCESTORS, MAX_DESCENDANT_DEPTH, MAX_DESCENDANTS, MAX_DESCENDANTS_ANONYMOUS};

/// The thread around a status, as `viewer` may see it: ancestors oldest first, then
/// descendants in depth-first order.
pub async fn context(
    inst: &Instance,
    status: &status::Model,
    viewer: Option<i64>,
) -> CoreResult<(Vec<status::Model>, Vec<status::Model>)> {
    let conn = &inst.store.read;
    let mut ancestors = Vec::new();
    let mut next = status.in_reply_to_id;
    let mut seen = HashSet::from([status.id]);
    while let Some(id) = next {
        if ancestors.len() >= MAX_ANCESTORS || !seen.insert(id) {
            break;
        }
        let Some(parent) = status::Entity::find_by_id(id).one(conn).await? else {
            break;
        };
        next = parent.in_reply_to_id;
        ancestors.push(parent);
    }
    ancestors.reverse();

    let limit = if viewer.is_some() {
        MAX_DESCENDANTS
    } else {
        MAX_DESCENDANTS_ANONYMOUS
    };
    let mut found = Vec::new();
    let mut frontier = vec![status.id];
    for _ in 0..MAX_DESCENDANT_DEPTH {
        if frontier.is_empty() || found.len() >= limit {
            break;
        }
        let level = status::Entity::find()
            .filter(status::Column::InReplyToId.is_in(frontier.clone()))
            .filter(status::Column::ReblogOfId.is_null())
            .limit((limit - found.len()) as u64)
            .all(conn)
            .await?;
        frontier = level
            .iter()
            .map(|s| s.id)
            .filter(|id| seen.insert(*id))
            .collect();
        found.extend(level);
    }
    let mut descendants = depth_first(status.id, found);

    let visible_a = crate::visibility::visible_subset(conn, &ancestors, viewer).await?;
    let visible_d = crate::visibility::visible_subset(conn, &descendants, viewer).await?;
    ancestors.retain(|s| visible_a.contains(&s.id));
    descendants.retain(|s| visible_d.contains(&s.id));
    // Blocked, muted, domain-blocked and (unless followed) limited authors' posts.
    let authors: HashSet<i64> = ancestors
        .iter()
        .chain(&descendants)
        .map(|s| s.account_id)
        .collect();
    let hidden = crate::hidden::hidden_authors(inst, viewer, &authors).await?;
    ancestors.retain(|s| !hidden.contains(&s.account_id));
    descendants.retain(|s| !hidden.contains(&s.account_id));
    Ok((ancestors, descendants))
}

fn depth_first(root: i64, nodes: Vec<status::Model>) -> Vec<status::Model> {
    let mut by_parent: HashMap<i64, Vec<status::Model>> = HashMap::new();
    for n in nodes {
        by_parent
            .entry(n.in_reply_to_id.unwrap_or_default())
            .or_default()
            .push(n);
    }
    for kids in by_parent.values_mut() {
        kids.sort_by_key(|s| s.id);
    }
    let mut out = Vec::new();
    fn walk(
        id: i64,
        by_parent: &mut HashMap<i64, Vec<status::Model>>,
        out: &mut Vec<status::Model>,
    ) {
        if let Some(kids) = by_parent.remove(&id) {
            for kid in kids {
                let kid_id = kid.id;
                out.push(kid);
                walk(kid_id, by_parent, out);
            }
        }
    }
    walk(root, &mut by_parent, &mut out);
    out
}
