"""Action, callback and block ids: shared by the builders that emit them and the listeners."""

# Modals (callback ids)
DECISION_MODAL = "accord_decision_modal"
COMMITMENT_MODAL = "accord_commitment_modal"
PROPOSAL_MODAL = "accord_proposal_modal"
POSITION_MODAL = "accord_position_modal"
CONFLICT_MODAL = "accord_conflict_modal"
CHECKIN_MODAL = "accord_checkin_modal"

# Message shortcuts (callback ids)
LOG_DECISION_SHORTCUT = "accord_log_decision"
LOG_COMMITMENT_SHORTCUT = "accord_log_commitment"

# Input blocks and their actions
TEXT_BLOCK, TEXT_ACTION = "text_block", "text_input"
RATIONALE_BLOCK, RATIONALE_ACTION = "rationale_block", "rationale_input"
OWNER_BLOCK, OWNER_ACTION = "owner_block", "owner_input"
DUE_BLOCK, DUE_ACTION = "due_block", "due_input"
DECISION_BLOCK, DECISION_ACTION = "decision_block", "decision_input"
TITLE_BLOCK, TITLE_ACTION = "title_block", "title_input"
DETAILS_BLOCK, DETAILS_ACTION = "details_block", "details_input"
CLOSES_BLOCK, CLOSES_ACTION = "closes_block", "closes_input"
GROUPS_BLOCK, GROUPS_ACTION = "groups_block", "groups_input"
COUNTING_BLOCK, COUNTING_ACTION = "counting_block", "counting_input"
CAP_BLOCK, CAP_ACTION = "cap_block", "cap_input"
OPTIONS_BLOCK, OPTIONS_ACTION = "options_block", "options_input"
REASON_BLOCK, REASON_ACTION = "reason_block", "reason_input"
STATEMENT_BLOCK, STATEMENT_ACTION = "statement_block", "statement_input"
PROGRESS_BLOCK, PROGRESS_ACTION = "progress_block", "progress_input"
BLOCKERS_BLOCK, BLOCKERS_ACTION = "blockers_block", "blockers_input"
COMMITMENT_STATUS_BLOCK_PREFIX = "commitment_status_"
COMMITMENT_STATUS_ACTION = "commitment_status_input"

# Buttons (action ids)
COMMITMENT_DONE = "accord_commitment_done"
COMMITMENT_BLOCKED = "accord_commitment_blocked"
POSITION_AGREE = "accord_position_agree"
POSITION_ABSTAIN = "accord_position_abstain"
POSITION_DISAGREE = "accord_position_disagree"
POSITION_BLOCK = "accord_position_block"
DECLARE_CONFLICT = "accord_declare_conflict"
POSITION_FOR = "accord_position_for"  # an alternate takes, for the member, the position they hold themselves
OPEN_CHECKIN = "accord_open_checkin"
DECISION_ADD_COMMITMENT = "accord_decision_add_commitment"

# App Home (buttons on the user's commitments, and the modal asking why one is blocked)
HOME_COMMITMENT_DONE = "accord_home_commitment_done"
HOME_COMMITMENT_BLOCKED = "accord_home_commitment_blocked"
HOME_BLOCK_MODAL = "accord_home_block_modal"
HOME_CALENDAR_NEW_LINK = "accord_home_calendar_new_link"
HOME_BLOCK_REASON_BLOCK, HOME_BLOCK_REASON_ACTION = "home_block_reason_block", "home_block_reason_input"

# Follow-through: the owner's reminder (Done / Blocked reuse the commitment buttons above), its modals
COMMITMENT_NEW_DATE = "accord_commitment_new_date"
COMMITMENT_BLOCK_MODAL = "accord_commitment_block_modal"
COMMITMENT_DUE_MODAL = "accord_commitment_due_modal"
COMMITMENT_REASON_BLOCK, COMMITMENT_REASON_ACTION = "commitment_reason_block", "commitment_reason_input"
