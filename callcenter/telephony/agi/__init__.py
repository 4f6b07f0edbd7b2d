"""FastAGI: the server and the scripts the dialplan asks (route, status, survey, duty)."""
