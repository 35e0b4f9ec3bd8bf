from projects import permissions


def roles(request):
    user = request.user
    return {
        "is_office": permissions.is_office(user),
        "is_liaison": permissions.is_liaison(user),
        "is_deputy": permissions.is_deputy(user),
        "is_leader": permissions.is_leader(user),
    }
