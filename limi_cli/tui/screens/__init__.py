"""Modal screens of the chat: approvals and the session picker."""
