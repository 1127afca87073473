from sharing.views.insights import InsightViewSet
from sharing.views.sharing import SharePasswordViewSet, SharingConfigurationViewSet

__all__ = ["InsightViewSet", "SharePasswordViewSet", "SharingConfigurationViewSet"]
