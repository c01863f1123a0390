from django.urls import path

from payments import views_grants

urlpatterns = [
    path("", views_grants.batch_list, name="grants"),
    path("new/relocation/", views_grants.new_relocation, name="grant-new-relocation"),
    path("new/price-subsidy/", views_grants.new_price_subsidy, name="grant-new-price-subsidy"),
    path("<int:batch_id>/", views_grants.batch, name="grant-batch"),
    path("<int:batch_id>/submit/", views_grants.submit, name="grant-submit"),
    path("<int:batch_id>/approve/", views_grants.approve, name="grant-approve"),
    path("<int:batch_id>/return/", views_grants.send_back, name="grant-return"),
    path("<int:batch_id>/progress.json", views_grants.progress, name="grant-progress"),
    path("<int:batch_id>/continue/", views_grants.continue_granting, name="grant-continue"),
]
