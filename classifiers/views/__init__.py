"""The pages. Each view is thin: log-in required, the object fetched for this user (404 for anyone else's),
a form, one service call, a redirect; a ServiceError's message is shown next to its field or as a message."""
