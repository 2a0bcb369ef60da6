# Shared by `make run` and the Docker image. Tokens in URLs are redacted from the access log.
logger_class = "cxhub.logredact.RedactingGunicornLogger"
accesslog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(L)ss'
timeout = 60
graceful_timeout = 30
