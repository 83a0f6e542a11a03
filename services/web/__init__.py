"""Web pages for staff: the framework, indicators, rounds, reports and versions.

Served by ``pmf run`` (embedded mode) and by ``pmf serve web`` (distributed mode)
beside the JSON API, server-rendered with Jinja2 and a little plain JavaScript that
only enhances pages which work without it. The pages read and send through
``WebPort`` (``port.py``): in-process in embedded mode, over the services' own API
in distributed mode (``http_port.py``, ``distributed.py``). Like
``services/embedded.py`` this package is a composition root: it may use every
service object, and its route handlers stay thin.

Sign-in and form safety (decisions written down here, where the code lives):

- A person signs in by pasting the same token the API uses (``pmf token create``),
  or by following the personal link in a lead's e-mail. The cookie ``pmf_session``
  holds a new random session id, never the token: only its hash is kept on the
  server (``shared.http.sessions``), it expires after ``PMF_SESSION_HOURS``
  (default 8) or when the token does, and signing out ends it on the server, so
  a copied cookie stops working. Revoking the token (``pmf token revoke``) ends
  every session made with it. The cookie is ``HttpOnly`` (no script can read it),
  ``SameSite=Strict`` (no other site can make the browser send it) and ``Secure``
  when served over HTTPS. ``system`` and ``metrics`` tokens belong to machines and
  are refused here. Sign-in is throttled per client address and every attempt,
  success or not, goes into the access trail (``GET /api/v1/audit/access``).
- Every form that changes something carries a hidden ``csrf`` field, an HMAC-SHA256
  of a fixed label keyed by the session id, checked in constant time. With the
  Strict cookie this is enough: a forged cross-site post has neither the cookie nor
  the field. Every POST is also refused when its ``Origin`` header names another
  site, which covers the sign-in form too (it has no session yet).
- Read pages are open to anyone while ``anonymous_reads`` is on (as the API's
  reads are); otherwise they send the visitor to the sign-in page. Forms appear
  only for the roles that may use them: a lead sees the return form for the
  indicators they lead, an admin may enter any return, and only the Executive sees
  the decision forms.
"""
