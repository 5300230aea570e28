from ninja import Router

router = Router(tags=["members"])
organizations_router = Router(tags=["organizations"])
