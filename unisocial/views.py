"""Site-wide pages: home, terms of use, policies. (Filled in by the HTML work.)"""
from django.http import HttpResponse


def home(request):
    return HttpResponse("home")


def terms(request):
    return HttpResponse("terms")


def policies(request):
    return HttpResponse("policies")
