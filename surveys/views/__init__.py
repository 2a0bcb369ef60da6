"""Server-rendered pages: the respondent's public pages and the survey admin's pages."""
