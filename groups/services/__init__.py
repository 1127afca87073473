"""Group services. `rest` holds the REST API's synchronous writes (create, update_property, delete_property)."""
