from ninja import NinjaAPI

api = NinjaAPI(title="Qamqor API", version="1", urls_namespace="api")
