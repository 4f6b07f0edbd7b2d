"""The console: the hotline's people at work in a browser, served by the API's own process
(server-rendered pages over the same services, a little JavaScript, no CDN)."""
