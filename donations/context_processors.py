def donate_source(request):
    """
    The page a Donate link on this page names as where the visitor set out to give: this page, if it
    is a public page outside the donate pages. The donate pages pass on the one they were given.
    """
    match = request.resolver_match
    if match is None or match.app_name == "donations" or not hasattr(match.func, "query_parameters"):
        return {"donate_source": ""}
    return {"donate_source": request.path}
