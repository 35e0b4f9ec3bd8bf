"""The four roles, kept as auth groups. Group names are what administrators see."""

OFFICE = "督查室"
LIAISON = "联络员"
DEPUTY = "人大代表"
LEADER = "领导"

ALL_ROLES = (OFFICE, LIAISON, DEPUTY, LEADER)
