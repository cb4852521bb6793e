"""What a person reads in lists (SPEC §6 ``/``, ``/search/``, the community page): the home
feed, search, follows and a community's front page. The top floor of the apps: it may read
every app below it, and none of them imports it."""
