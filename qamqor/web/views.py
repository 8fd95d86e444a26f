from django.http import HttpRequest, HttpResponse


def case_detail(request: HttpRequest, number: str) -> HttpResponse:
    raise NotImplementedError
