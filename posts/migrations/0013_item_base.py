"""Posts and wiki pages declare their shared fields once (posts.models.item.Item). State only: a
wiki page's status and dates take the verbose names a post's had, and a post's community and author
record the related-name pattern they now come from (the same names, ``posts``); no column changes."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('communities', '0004_community_name_not_unique'),
        ('posts', '0012_follow_leaves_posts'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='historicalwikipage',
            name='created_at',
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name='created at'),
        ),
        migrations.AlterField(
            model_name='historicalwikipage',
            name='status',
            field=models.CharField(choices=[('published', 'Published'), ('pending', 'Pending moderation'), ('hidden', 'Hidden by moderation'), ('withdrawn', 'Withdrawn')], default='published', max_length=16, verbose_name='status'),
        ),
        migrations.AlterField(
            model_name='historicalwikipage',
            name='updated_at',
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name='updated at'),
        ),
        migrations.AlterField(
            model_name='post',
            name='author',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='%(class)ss', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name='post',
            name='community',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='%(class)ss', to='communities.community'),
        ),
        migrations.AlterField(
            model_name='wikipage',
            name='created_at',
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name='created at'),
        ),
        migrations.AlterField(
            model_name='wikipage',
            name='status',
            field=models.CharField(choices=[('published', 'Published'), ('pending', 'Pending moderation'), ('hidden', 'Hidden by moderation'), ('withdrawn', 'Withdrawn')], default='published', max_length=16, verbose_name='status'),
        ),
        migrations.AlterField(
            model_name='wikipage',
            name='updated_at',
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name='updated at'),
        ),
    ]
