"""What both faces of the server share (the REST API in ``ioguide.api`` and the pages in ``ioguide.web``): the
server's settings, the per-application context every request reads, and the signed tokens the API's bearer
header and the pages' cookie carry. Neither face imports the other; both import this, and the application
factory (``ioguide.app``) builds it once and mounts both."""
