import uuid

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models


def default_distinct_id() -> str:
    return uuid.uuid4().hex


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields) -> "User":
        user = self.model(email=self.normalize_email(email), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> "User":
        return self.create_user(email, password, is_staff=True, is_superuser=True, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    class ToolbarMode(models.TextChoices):
        DISABLED = "disabled"
        TOOLBAR = "toolbar"

    class ThemeMode(models.TextChoices):
        LIGHT = "light"
        DARK = "dark"
        SYSTEM = "system"

    class RoleAtOrganization(models.TextChoices):
        ENGINEERING = "engineering"
        DATA = "data"
        PRODUCT = "product"
        FOUNDER = "founder"
        LEADERSHIP = "leadership"
        MARKETING = "marketing"
        SALES = "sales"
        OTHER = "other"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField(unique=True)
    pending_email = models.EmailField(null=True, blank=True)
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    distinct_id = models.CharField(max_length=200, null=True, blank=True, unique=True, default=default_distinct_id)
    is_email_verified = models.BooleanField(null=True, blank=True)
    is_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(auto_now_add=True)
    current_organization = models.ForeignKey(
        "organizations.Organization", models.SET_NULL, null=True, blank=True, related_name="+"
    )
    current_team = models.ForeignKey("projects.Team", models.SET_NULL, null=True, blank=True, related_name="+")
    notification_settings = models.JSONField(default=dict, blank=True)
    anonymize_data = models.BooleanField(null=True, blank=True, default=False)
    toolbar_mode = models.CharField(
        max_length=200, choices=ToolbarMode.choices, null=True, blank=True, default="toolbar"
    )
    events_column_config = models.JSONField(default=dict, blank=True)
    has_seen_product_intro_for = models.JSONField(null=True, blank=True)
    theme_mode = models.CharField(max_length=20, choices=ThemeMode.choices, null=True, blank=True)
    hedgehog_config = models.JSONField(null=True, blank=True)
    role_at_organization = models.CharField(max_length=64, choices=RoleAtOrganization.choices, null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.email
