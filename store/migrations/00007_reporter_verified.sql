-- +goose Up
-- Trust comes from invites (DESIGN.md §2). A reporter whom the organisation data names, or who
-- joined with an invite, is a verified reporter of their unit. One who came without an invite
-- and named the unit (by its public credit code, say) is not, until an office that sees their
-- case confirms the link; until then their cases wait for the office's triage instead of going
-- to the unit's linked cadre.
ALTER TABLE person_roles ADD COLUMN verified boolean NOT NULL DEFAULT true;
-- Filed through a reporter's link to the unit that was not verified when the case was filed.
ALTER TABLE cases ADD COLUMN unverified_reporter boolean NOT NULL DEFAULT false;

-- Reporters who registered themselves before the links were checked. A self-registered unit's
-- reporters named it themselves. Elsewhere the reporters whom the organisation data does not
-- name (people without a code) came either by an invite of the unit or by naming it; each use
-- of the unit's invites made exactly one such reporter, so when the unit has more of them than
-- its invites were used, some named it themselves, and as nobody can tell which, none of the
-- unit's codeless reporters stays verified: the office confirms the true ones with one press.
WITH codeless AS (
    SELECT r.id, r.unit_id FROM person_roles r JOIN people p ON p.id = r.person_id
    WHERE r.role = 'reporter' AND r.unit_id IS NOT NULL AND p.code IS NULL
), invited AS (
    SELECT unit_id, sum(uses) AS uses FROM invites WHERE role = 'reporter' AND unit_id IS NOT NULL GROUP BY unit_id
), doubtful AS (
    SELECT c.unit_id FROM codeless c LEFT JOIN invited i ON i.unit_id = c.unit_id
    GROUP BY c.unit_id, i.uses HAVING count(*) > coalesce(i.uses, 0)
)
UPDATE person_roles r SET verified = false
FROM units u
WHERE r.role = 'reporter' AND u.id = r.unit_id AND (u.self_registered OR (r.unit_id IN (SELECT unit_id FROM doubtful)
    AND r.id IN (SELECT id FROM codeless)));

UPDATE cases c SET unverified_reporter = true
WHERE EXISTS (SELECT 1 FROM person_roles r WHERE r.person_id = c.reporter_id AND r.role = 'reporter'
    AND r.unit_id = c.unit_id AND NOT r.verified);

-- A person who joined from a group chat had the group as the chat their notifications went
-- to; a private chat's id is the person's own account id.
UPDATE people SET chat_id = telegram_user_id WHERE chat_id < 0 AND telegram_user_id IS NOT NULL;

-- +goose Down
ALTER TABLE cases DROP COLUMN unverified_reporter;
ALTER TABLE person_roles DROP COLUMN verified;
